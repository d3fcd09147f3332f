// Every webview message validator, fed generated and mutated messages, answers (true/false or a
// reason) without throwing or stalling, so the host drops a bad message with a logged reason
// (describeMessage) instead of acting on it or crashing; what it accepts carries no path longer than
// the limit or holding a NUL. And the path guard, fed paths made of `..`, absolute prefixes and
// symbolic links, never lets a webview name a file outside the allowed roots. Seeded: a fixed number
// of cases in `npm test`, more in `npm run test:faults`.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { guardFile, isWithin } from '../../src/extension/security/pathGuard';
import { validateCompareToHost, validateHostToCompare } from '../../src/protocol/compareView';
import { isHostToTranscripts, isTranscriptsToHost } from '../../src/protocol/transcriptsEditor';
import { describeMessage } from '../../src/protocol/check';
import { isHostToWebview, isWebviewToHost } from '../../src/protocol/webview';
import { announce, fuzzParams, mutatedJson, nastyJson, quick } from '../helpers/fuzz';

announce();

/** Valid messages of each direction, to mutate. */
const SAMPLES: unknown[] = [
  { type: 'ready', runDir: '/w/runs/a' },
  { type: 'openSource', runDir: '/w/runs/a', file: 'data/train.jsonl', line: 3 },
  { type: 'openConfig', runDir: '/w/runs/a', pointer: '/training/ppo/lr' },
  { type: 'runCommand', runDir: '/w/runs/a', command: 'maporl.startTraining' },
  { type: 'annotate', runDir: '/w/runs/a', key: 'train/1/q1/0' },
  { type: 'run', source: 'task:arith', questions: 20, seed: 1 },
  { type: 'showDiscussion', key: 'ab12', line: 2 },
  { type: 'openConfig', side: 1, pointer: '/seed' },
  { type: 'fetch', keys: ['train/1/q1/0'] },
  { type: 'toggleLabel', target: { key: 'train/1/q1/0', turn: 1, agent: 0 }, label: 'persuasive' },
  { type: 'setNote', target: { key: 'train/1/q1/0' }, note: 'hm' },
  {
    type: 'snapshot',
    metrics: [{ step: 1, reward: 0.5 }],
    evalMetrics: [],
    transcripts: [],
    header: {
      runDir: '/w/runs/a',
      name: 'a',
      status: 'running',
      step: 1,
      totalSteps: 4,
      startedAt: null,
      updatedAt: null,
      etaSeconds: null,
      executionProvider: 'cpu',
      message: null,
      config: [],
    },
  },
];

const message = fc.oneof(
  fc.constantFrom(...SAMPLES).chain((m) => mutatedJson(m)),
  fc.anything(),
  nastyJson,
);
const VALIDATORS: [string, (x: unknown) => unknown][] = [
  ['isWebviewToHost', isWebviewToHost],
  ['isHostToWebview', isHostToWebview],
  ['validateCompareToHost', validateCompareToHost],
  ['validateHostToCompare', validateHostToCompare],
  ['isTranscriptsToHost', isTranscriptsToHost],
  ['isHostToTranscripts', isHostToTranscripts],
];

test('webview message validators answer every message without throwing, and a dropped one has a short logged reason', () => {
  fc.assert(
    fc.property(message, (m) => {
      for (const [name, validate] of VALIDATORS) {
        const r = quick(name, () => validate(m), 1000);
        assert.ok(
          typeof r === 'boolean' || r === null || (typeof r === 'string' && r.length > 0),
          `${name} answered ${String(r)}`,
        );
      }
      const reason = describeMessage(m);
      assert.ok(reason.length > 0 && reason.length <= 100 && !reason.includes('\n'), `describeMessage: ${reason}`);
    }),
    fuzzParams(200, 5000),
  );
});

test('a dashboard message the host accepts names paths of bounded length without NUL', () => {
  fc.assert(
    fc.property(message, (m) => {
      if (!isWebviewToHost(m)) return;
      for (const p of [m.runDir, 'file' in m ? m.file : '']) {
        assert.ok(typeof p === 'string' && p.length <= 4096 && !p.includes('\0'));
      }
    }),
    fuzzParams(200, 5000),
  );
});

// A workspace with a runs folder, a file outside it, and links from inside to outside (a file link and a directory link).
const root = fs.realpathSync(fs.mkdtempSync(path.join(tmpdir(), 'maporl-guard-fuzz-')));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const ws = path.join(root, 'ws'),
  runs = path.join(ws, 'runs'),
  outside = path.join(root, 'outside');
fs.mkdirSync(path.join(runs, 'run-1'), { recursive: true });
fs.mkdirSync(outside);
fs.writeFileSync(path.join(runs, 'run-1', 'events.jsonl'), '{}\n');
fs.writeFileSync(path.join(ws, 'train.jsonl'), '{}\n');
fs.writeFileSync(path.join(outside, 'secret.txt'), 'x');
fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(runs, 'run-1', 'link.txt'));
fs.symlinkSync(outside, path.join(runs, 'out-dir'));
fs.symlinkSync(path.join(runs, 'run-1', 'events.jsonl'), path.join(ws, 'inner-link.jsonl'));

test('the path guard never resolves a webview-named path outside the allowed roots (.., absolute paths, symlinks)', () => {
  const segment = fc.constantFrom(
    '..',
    '.',
    '',
    'runs',
    'run-1',
    'events.jsonl',
    'link.txt',
    'out-dir',
    'secret.txt',
    'outside',
    'ws',
    'train.jsonl',
    'inner-link.jsonl',
    '%2e%2e',
    '...',
  );
  const prefix = fc.constantFrom('', '/', `${root}/`, `${ws}/`, `${runs}/`, `${outside}/`, '/etc/', '~/');
  const candidate = fc.tuple(prefix, fc.array(segment, { maxLength: 7 })).map(([p, segs]) => p + segs.join('/'));
  const allowed = [ws];
  let accepted = 0,
    refused = 0;
  fc.assert(
    fc.property(candidate, fc.constantFrom<string[]>([ws], [runs, ws], [path.join(runs, 'run-1')]), (p, bases) => {
      const r = quick('guardFile', () => guardFile(p, allowed, bases), 1000);
      if (!r.ok) {
        refused++;
        assert.ok(r.reason.length > 0);
        return;
      }
      accepted++;
      const real = fs.realpathSync(r.path);
      assert.ok(
        allowed.some((a) => isWithin(a, real)),
        `${p} resolved to ${real}, outside ${allowed}`,
      );
      assert.ok(!isWithin(outside, real), `${p} reached ${real}`);
      assert.ok(fs.statSync(real).isFile());
    }),
    fuzzParams(300, 5000),
  );
  assert.ok(accepted > 0 && refused > 0, `both outcomes occur (accepted ${accepted}, refused ${refused})`);
});
