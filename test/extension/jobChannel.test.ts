// The run channel of jobs without a run directory, engine to host: the real engine (dist/cli.js)
// forked by the host's job manager sends its typed `stage` events over IPC (engine/io/parentChannel.ts,
// reportEvent) and the host's readers fold them after validateRunEvent: Prepare Base Agents'
// notification line (runData/baseStage.ts) and the compare panel's progress (compare/compareJob.ts).
// No line of the engine's stderr is parsed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CompareRun } from '../../src/extension/compare/compareJob';
import { JobManager } from '../../src/extension/jobs/jobManager';
import { baseStageLine, foldBaseStage, type BaseStage } from '../../src/extension/runData/baseStage';
import type { CompareJobView } from '../../src/protocol/compareView';
import { validateRunEvent, type RunEvent } from '../../src/protocol/runRecords';
import { builtCli } from '../cli/run';

/** Runs one engine job to its end; the events it sent, each checked as the host checks them. */
async function jobEvents(jobs: JobManager, args: string[], cwd: string, env: Record<string, string>): Promise<RunEvent[]> {
  const job = jobs.start({ kind: 'prepare', label: 'test', args, cwd, env });
  const events: RunEvent[] = [];
  const sub = jobs.onEvent.event(({ job: j, payload }) => {
    if (j.id !== job.id) return;
    assert.equal(validateRunEvent(payload), null, JSON.stringify(payload));
    events.push(payload as RunEvent);
  });
  await new Promise<void>((resolve) => jobs.onDidExit.event((j) => j.id === job.id && resolve()));
  sub.dispose();
  assert.equal(job.state.exitCode, 0, job.logTail.join('\n'));
  return events;
}

test('prepare-agents: SFT progress as typed stage events, folded into the notification line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-jobchannel-'));
  try {
    const jobs = new JobManager({ cliPath: builtCli(), killTimeoutMs: 5000 });
    const env = { MAPORL_CACHE_DIR: join(dir, 'cache') };
    const args = ['prepare-agents', '--task', 'arith', '--steps', '40', '--json'];
    const events = await jobEvents(jobs, args, dir, env);
    const running = events.filter((e) => e.type === 'stage' && e.stage === 'base-agents' && e.state === 'running');
    assert.deepEqual(
      running.map((e) => e.type === 'stage' && [e.done, e.total]),
      Array.from({ length: 20 }, (_, i) => [2 * (i + 1), 40]),
      'every second step of 40 (about twenty events), the last included',
    );
    let stage: BaseStage | null = null;
    for (const e of running) if (e.type === 'stage' && e.stage === 'base-agents') stage = foldBaseStage(stage, e);
    assert.match(baseStageLine(stage!), /^SFT step 40\/40( · ETA \d+:\d\d)? · loss \d+\.\d{3}$/);
    assert.deepEqual(events.at(-1), { ...events.at(-1), state: 'prepared', done: 40, total: 40, loss: null });
    // Prepared again: the cache answers, no SFT step runs.
    const again = await jobEvents(jobs, args, dir, env);
    assert.deepEqual(
      again.filter((e) => e.type === 'stage').map((e) => e.type === 'stage' && e.state),
      ['reused'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compare: one typed stage event per side reaches the panel, then the result; asked again, the saved one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-jobchannel-'));
  try {
    const jobs = new JobManager({ cliPath: builtCli(), killTimeoutMs: 5000 });
    const spec = {
      label: 'compare',
      args: ['compare', 'tiny', 'tiny', '--task', 'arith', '--questions', '2', '--max-new-tokens', '4', '--json'],
      cwd: dir,
      sides: 2,
    };
    const run = new CompareRun(jobs, spec);
    const seen: CompareJobView[] = [];
    run.onProgress.event((v) => seen.push(v));
    const outcome = await run.finished;
    assert.equal(outcome.ok, true, outcome.message);
    assert.deepEqual(
      seen.map((v) => [v.side, v.sides]),
      [
        [0, 2],
        [1, 2],
      ],
    );
    assert.match(seen[1].message, /^evaluating side 1 \(2 of 2\): preset tiny \(3 agents, \d+ turns, temperature [\d.]+\)$/);

    const again = new CompareRun(jobs, spec);
    const messages: string[] = [];
    again.onProgress.event((v) => messages.push(v.message));
    assert.equal((await again.finished).ok, true);
    assert.match(messages.at(-1) ?? '', /^using the saved comparison .*comparisons\/[0-9a-f]{16} \(--force recomputes\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
