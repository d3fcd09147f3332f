// The learning ladder's command line (the rungs: ladder/rung.ts).
// Usage (after npm run build): node dist/ladder.js --rung=1 [--seeds=0,1] [--iterations=N]
//   [--questions=N] [--eval-questions=500] [--set=training.ppo.lr=1e-4 ...] [--agents=DIR]
//   [--sft-steps=N (base agents trained less or more than the demo's)]
//   [--discussion-fraction=F (share of their SFT pairs in the later-turn format)] [--tag=NAME] [--json]
// Each result is also written to docs/experiments/ladder/rung-R-seed-S[-TAG].json (ladder/record.ts),
// to be committed with the numbers docs/results.md quotes from it.
import * as os from 'node:os';
import * as path from 'node:path';
import { LADDER_DIR, writeRungRecord } from './ladder/record';
import { runRung } from './ladder/rung';

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const args = Object.fromEntries(
    process.argv.slice(2).map((a) => {
      const [k, ...v] = a.replace(/^--/, '').split('=');
      return [k, v.join('=')];
    }),
  );
  const sets: Record<string, unknown> = {};
  for (const a of process.argv.slice(2).filter((x) => x.startsWith('--set='))) {
    const [k, v] = a.slice(6).split('=');
    sets[k] = JSON.parse(v);
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)}`;
  for (const seed of (args.seeds ?? '0').split(',').map(Number)) {
    const r = await runRung({
      rung: Number(args.rung ?? 1) as 1,
      seed,
      sftSteps: args['sft-steps'] ? Number(args['sft-steps']) : undefined,
      discussionFraction: args['discussion-fraction'] ? Number(args['discussion-fraction']) : undefined,
      madeUpErrors: (args['made-up-errors'] || undefined) as 'slip' | undefined,
      show: (args.show || undefined) as 'text' | undefined,
      agentsDir:
        args.agents ??
        path.join(
          os.tmpdir(),
          `maporl-ladder-agents${args['sft-steps'] ? `-${args['sft-steps']}` : ''}${args['discussion-fraction'] ? `-df${args['discussion-fraction']}` : ''}${args['made-up-errors'] ? `-${args['made-up-errors']}` : ''}${args.show ? `-show-${args.show}` : ''}`,
        ),
      iterations: Number(args.iterations ?? 40),
      questionsPerIteration: Number(args.questions ?? 64),
      evalQuestions: Number(args['eval-questions'] ?? 500),
      evalSeeds: [1, 2],
      evalTemperature: 0.7,
      overrides: sets,
      out: path.join(os.tmpdir(), `maporl-ladder-run-${args.rung ?? 1}-${seed}${args.tag ? `-${args.tag}` : ''}`),
      say: (l) => console.error(l),
    });
    console.error(`wrote ${writeRungRecord(LADDER_DIR, r, process.argv.slice(2), args.tag || undefined)}`);
    if ('json' in args) console.log(JSON.stringify(r));
    else {
      console.log(
        `rung ${r.rung} seed ${seed}: held-out final-turn majority before ${r.before.map(pct).join('/')} after ${r.after.map(pct).join('/')}  by turn ${r.beforeByTurn.map(pct).join(' ')} -> ${r.afterByTurn.map(pct).join(' ')}  (${r.seconds.toFixed(0)} s)`,
      );
      const rw = r.trainReward;
      const chunk = Math.max(1, Math.floor(rw.length / 8));
      const means = [];
      for (let i = 0; i < rw.length; i += chunk) means.push(meanOf(rw.slice(i, i + chunk)).toFixed(2));
      console.log(`  train reward by ${chunk} iterations: ${means.join(' ')}`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
