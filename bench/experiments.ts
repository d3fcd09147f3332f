// The science suite (the paper's findings, docs/results.md): `npm run experiments [-- --only ROW[,ROW] --seeds 0,1,2 --scale 1
// --eval-questions 500 --force --report-only]`. Runs every (row, seed) cell that has no result yet
// (resumable: a finished cell is a committed file, docs/experiments/ROW/seed-N.json), then rewrites
// the findings section of docs/results.md and its plots. Rows: bench/experiments/rows.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_RECIPE } from '../src/engine/maporl/baseAgents';
import { ensureBaseAgents } from './ladder/rung';
import { runCell, type CellResult } from './experiments/cell';
import { writeReport } from './experiments/report';
import { ROWS, rowById, type Row } from './experiments/rows';

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
    },
  });
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
      const tiny = await ensureBaseAgents(agentsDir, say);
      if (row.base !== 'hetero') return [tiny];
      return [tiny, await ensureBaseAgents(`${agentsDir}-small`, say, { preset: 'small' }), tiny];
    };
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-experiments-'));
    try {
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
          const cell = await runCell({ row, seed, modelDirs: await modelDirsOf(row), evalQuestions, scale, scratch, say });
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(cell)}\n`);
          fs.renameSync(`${file}.tmp`, file);
          const t = cell.team.turns.map((m) => (100 * m.majority).toFixed(1)).join(' / ');
          say(
            `${row.id} seed ${seed}: majority by turn ${t}, alone ${(100 * cell.alone.turns[0].majority).toFixed(1)} (${((cell.seconds.train + cell.seconds.eval) / 60).toFixed(1)} min)`,
          );
          writeReport(RESULTS_MD, CELLS_DIR);
        }
      }
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  writeReport(RESULTS_MD, CELLS_DIR);
  console.log(`wrote ${RESULTS_MD} (findings section) and plots in ${CELLS_DIR}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
