// The science suite (the paper's findings, docs/results.md): `npm run experiments [-- --only ROW[,ROW] --seeds 0,1,2 --scale 1
// --eval-questions 500 --jobs CORES --force --report-only]`. Runs every (row, seed) cell that has no result yet
// (resumable: a finished cell is a committed file, docs/experiments/ROW/seed-N.json), then rewrites
// the findings section of docs/results.md and its plots. Rows: bench/experiments/rows.ts.
// With --jobs N (default: one per core), N cells run at once, each in a child process with cores/N ONNX Runtime threads: the
// tiny agents' kernels are too small to keep two threads busy (docs/performance.md), so two
// one-thread cells finish sooner than two two-thread cells one after the other.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_RECIPE } from '../src/engine/maporl/train/baseAgents';
import { MAPORL_ENV } from '../src/protocol/environment';
import { ensureBaseAgents, ensureLaterTurnStage } from './ladder/rung';
import { runCell, type CellResult } from './experiments/cell';
import { measureControl } from './experiments/control';
import { writeReport } from './experiments/report';
import {
  PAIRSUM_AGENTS,
  PAIRSUM_CHECKING_STAGE,
  PAIRSUM_NEARMISS_AGENTS,
  PAIRSUM_SCORED_AGENTS,
  ROWS,
  TEXT_AGENTS,
  rowById,
  type Row,
} from './experiments/rows';

const CELLS_DIR = path.join('docs', 'experiments');
const RESULTS_MD = path.join('docs', 'results.md');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      seeds: { type: 'string', default: '0,1,2' },
      scale: { type: 'string', default: '1' },
      'eval-questions': { type: 'string', default: '500' },
      force: { type: 'boolean', default: false },
      'report-only': { type: 'boolean', default: false },
      agents: { type: 'string' },
      jobs: { type: 'string', default: String(os.cpus().length) },
      // Measure the positive control's base agents (bench/experiments/control.ts) for these base seeds first.
      control: { type: 'string' },
      // A child of --jobs: run the cells, leave the report to the parent.
      'no-report': { type: 'boolean', default: false },
    },
  });
  const jobs = Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be a positive integer, got "${values.jobs}"`);
  const rows = values.only ? values.only.split(',').map(rowById) : ROWS;
  const seeds = values.seeds.split(',').map(Number);
  const scale = Number(values.scale),
    evalQuestions = Number(values['eval-questions']);
  if (!values['report-only']) {
    const say = (l: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${l}`);
    const agentsDir = values.agents ?? path.join(os.tmpdir(), 'maporl-ladder-agents');
    // The transfer rows' agents: the same recipe on arithmetic and NLI together, made when first needed,
    // with twice the SFT steps so that each task gets as many updates as alone (with the one-task
    // count the mixed agents were right on 18% of the arithmetic, against 61% for arithmetic alone).
    // The heterogeneous team's `small` agent: the same recipe on the `small` preset.
    const modelDirsOf = async (row: Row): Promise<string[]> => {
      if (row.base === 'mixed')
        return [await ensureBaseAgents(`${agentsDir}-mixed`, say, { steps: 2 * DEMO_RECIPE.steps, alsoTasks: ['nli'] })];
      if (row.base === 'text') return [await ensureBaseAgents(`${agentsDir}-text`, say, TEXT_AGENTS)];
      if (row.base === 'pairsum') {
        const seed = row.baseSeed ?? 0;
        return [await ensureBaseAgents(`${agentsDir}-pairsum-b${seed}`, say, { ...PAIRSUM_AGENTS, seed })];
      }
      if (row.base === 'pairsum-nearmiss')
        return [await ensureBaseAgents(`${agentsDir}-pairsum-nearmiss`, say, PAIRSUM_NEARMISS_AGENTS)];
      if (row.base === 'pairsum-checking') {
        const stage1 = await ensureBaseAgents(`${agentsDir}-pairsum-b0`, say, { ...PAIRSUM_AGENTS, seed: 0 });
        return [await ensureLaterTurnStage(`${agentsDir}-pairsum-checking`, stage1, say, PAIRSUM_CHECKING_STAGE)];
      }
      if (row.base === 'pairsum-scored')
        return [await ensureBaseAgents(`${agentsDir}-pairsum-scored`, say, PAIRSUM_SCORED_AGENTS)];
      const tiny = await ensureBaseAgents(agentsDir, say);
      if (row.base !== 'hetero') return [tiny];
      return [tiny, await ensureBaseAgents(`${agentsDir}-small`, say, { preset: 'small' }), tiny];
    };
    for (const baseSeed of values.control ? values.control.split(',').map(Number) : []) {
      const file = path.join(CELLS_DIR, 'control', `base-${baseSeed}.json`);
      if (fs.existsSync(file) && !values.force) continue;
      const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-control-'));
      try {
        const recipe = { ...PAIRSUM_AGENTS, seed: baseSeed };
        const modelDir = await ensureBaseAgents(`${agentsDir}-pairsum-b${baseSeed}`, say, recipe);
        const result = await measureControl({ modelDir, baseSeed, recipe, questions: evalQuestions, scratch, say });
        writeJson(file, result);
        const m = (k: 'meanAgent' | 'majority' | 'oracle' | 'ceiling') =>
          ((100 * result.samples.reduce((a, x) => a + x[k], 0)) / result.samples.length).toFixed(1);
        say(
          `control base ${baseSeed}: agent ${m('meanAgent')}, majority ${m('majority')}, oracle ${m('oracle')}, scripted ceiling ${m('ceiling')}; verifier AUC ${result.verifier.auc.toFixed(3)} (${result.verifier.withinQuestionAuc.toFixed(3)} within a question)`,
        );
      } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
      }
    }
    const pending: [Row, number][] = [];
    for (const row of rows) {
      for (const seed of seeds) {
        const file = path.join(CELLS_DIR, row.id, `seed-${seed}.json`);
        if (fs.existsSync(file) && !values.force) {
          const old = JSON.parse(fs.readFileSync(file, 'utf8')) as CellResult;
          if (old.setup.evalQuestions !== evalQuestions || old.setup.scale !== scale)
            say(
              `${row.id} seed ${seed}: kept, made with ${old.setup.evalQuestions} questions at scale ${old.setup.scale} (--force redoes it)`,
            );
          continue;
        }
        pending.push([row, seed]);
      }
    }
    if (jobs > 1 && pending.length > 1) {
      // Base agents first, here: children that each made them would race for the same cache folder.
      for (const row of new Set(pending.map(([r]) => r))) await modelDirsOf(row);
      const common = [
        ...['--scale', values.scale, '--eval-questions', values['eval-questions'], '--agents', agentsDir],
        ...(values.force ? ['--force'] : []),
      ];
      await runInChildren(pending, jobs, common, say, () => writeReport(RESULTS_MD, CELLS_DIR));
    } else {
      const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-experiments-'));
      try {
        for (const [row, seed] of pending) {
          const file = path.join(CELLS_DIR, row.id, `seed-${seed}.json`);
          const cell = await runCell({ row, seed, modelDirs: await modelDirsOf(row), evalQuestions, scale, scratch, say });
          writeJson(file, cell);
          const t = cell.team.turns.map((m) => (100 * m.majority).toFixed(1)).join(' / ');
          say(
            `${row.id} seed ${seed}: majority by turn ${t}, alone ${(100 * cell.alone.turns[0].majority).toFixed(1)} (${((cell.seconds.train + cell.seconds.eval) / 60).toFixed(1)} min)`,
          );
          if (!values['no-report']) writeReport(RESULTS_MD, CELLS_DIR);
        }
      } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
      }
    }
    if (values['no-report']) return;
  }
  writeReport(RESULTS_MD, CELLS_DIR);
  console.log(`wrote ${RESULTS_MD} (findings section) and plots in ${CELLS_DIR}`);
}

/** Writes a result file whole or not at all (a temporary name, then a rename). */
function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(value)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * Runs `cells` in child processes of this script (with `args` besides the cell), `jobs` at a time,
 * each with its share of the cores as ONNX Runtime threads; `after` runs when each finishes. A failed cell is reported and the
 * others go on; the run fails at the end if any did.
 */
async function runInChildren(
  cells: [Row, number][],
  jobs: number,
  args: string[],
  say: (l: string) => void,
  after: () => void,
): Promise<void> {
  const threads = process.env[MAPORL_ENV.threads] || String(Math.max(1, Math.floor(os.cpus().length / jobs)));
  say(`${cells.length} cells, ${jobs} at a time, ${threads} ONNX Runtime thread(s) each`);
  const failed: string[] = [];
  const queue = [...cells];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [row, seed] = next;
      const code = await new Promise<number>((resolve) => {
        const child = spawn(
          process.execPath,
          [process.argv[1], ...args, '--only', row.id, '--seeds', String(seed), '--jobs', '1', '--no-report'],
          { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, [MAPORL_ENV.threads]: threads } },
        );
        child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
      });
      if (code !== 0) {
        failed.push(`${row.id} seed ${seed}`);
        say(`${row.id} seed ${seed}: failed (exit ${code})`);
      } else after();
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, cells.length) }, worker));
  if (failed.length) throw new Error(`${failed.length} cell(s) failed: ${failed.join(', ')}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
