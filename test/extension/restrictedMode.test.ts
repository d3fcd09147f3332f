// Restricted Mode (an untrusted workspace) starts no job and loads no model file: the extension is
// activated against a stand-in `vscode` (test/helpers/fakeVscode.ts) with the workspace untrusted;
// every command it registers is run with each kind of argument (none, a config, a run, a
// checkpoint), every quick pick answered with its first item, and every page asks the host to run
// its commands (the dashboard's runCommand, the comparison's run). No child process is started and
// no weights or tokenizer file is read. Then, trusted, the same commands do start the engine: the
// check can fail.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { fakeVscode, installFakeVscode, Uri, type FakeState } from '../helpers/fakeVscode';
import { TINY_CONFIG } from '../helpers/tinyRun';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const REPO = path.resolve(__dirname, '..', '..');
const root = fs.realpathSync(fs.mkdtempSync(path.join(tmpdir(), 'maporl-restricted-')));
after(() => fs.rmSync(root, { recursive: true, force: true }));

// A workspace with an experiment, a dataset, and a stopped run with a checkpoint.
const ws = path.join(root, 'ws'),
  run = path.join(ws, 'runs', 'tiny-run-1'),
  ckpt = path.join(run, 'checkpoints', 'step-000001');
const config = path.join(ws, 'exp.maporl.json'),
  data = path.join(ws, 'data.jsonl');
fs.mkdirSync(path.join(ckpt, 'policy-0'), { recursive: true });
fs.writeFileSync(config, JSON.stringify(TINY_CONFIG));
fs.writeFileSync(data, '{"question": "1+1?", "answer": "2"}\n');
fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify(TINY_CONFIG));
fs.writeFileSync(
  path.join(run, 'events.jsonl'),
  [
    { type: 'status', step: 0, status: 'running', totalSteps: 4, time: '2024-01-01T00:00:00Z' },
    { type: 'checkpoint', step: 1, path: 'checkpoints/step-000001', time: '2024-01-01T00:01:00Z' },
    { type: 'status', step: 1, status: 'stopped', message: 'stopped by SIGTERM', time: '2024-01-01T00:01:01Z' },
  ]
    .map((e) => JSON.stringify(e) + '\n')
    .join(''),
);
fs.writeFileSync(
  path.join(ckpt, 'trainer_state.json'),
  JSON.stringify({
    iteration: 1,
    policySharing: 'shared',
    policies: 1,
    agents: 2,
    turns: 2,
    optimizerSteps: [1],
    verifier: 'ground-truth',
  }),
);
for (const f of ['model.safetensors', 'tokenizer.json', 'config.json']) fs.writeFileSync(path.join(ckpt, 'policy-0', f), '{}');

const state: FakeState = {
  trusted: false,
  folders: [ws],
  commands: new Map(),
  messageHandlers: [],
  files: [Uri.file(config), Uri.file(data)],
  warnings: [],
};
installFakeVscode(fakeVscode(state));

// Every way of starting a process, recorded; a started "engine" is a child that never speaks.
const started: string[] = [];
const childProcess = require('node:child_process') as Any;
const fakeChild = () => {
  const child = Object.assign(new EventEmitter(), {
    pid: 99999,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    connected: true,
    exitCode: null as number | null,
    signalCode: null,
    send: () => true,
    kill: () => true,
    disconnect: () => undefined,
    unref: () => undefined,
    ref: () => undefined,
  });
  setTimeout(() => {
    // the "engine" ends at once, so that commands waiting on it return
    child.exitCode = 0;
    child.emit('exit', 0, null);
    child.emit('close', 0, null);
  }, 20);
  return child;
};
for (const name of ['fork', 'spawn', 'execFile', 'exec'])
  childProcess[name] = (...args: unknown[]) => {
    started.push(`${name} ${JSON.stringify(args).slice(0, 300)}`);
    return fakeChild();
  };
for (const name of ['spawnSync', 'execFileSync', 'execSync'])
  childProcess[name] = (...args: unknown[]) => {
    started.push(`${name} ${JSON.stringify(args).slice(0, 300)}`);
    return { status: 0, stdout: '', stderr: '' };
  };

// Reads of weights and tokenizers.
const modelReads: string[] = [];
const nodeFs = require('node:fs') as Any;
const isModelFile = (p: unknown) => typeof p === 'string' && /(\.safetensors|\.onnx|tokenizer\.json)$/.test(p);
for (const name of ['readFileSync', 'openSync', 'createReadStream', 'readFile']) {
  const original = nodeFs[name];
  nodeFs[name] = function recorded(this: unknown, p: unknown, ...rest: unknown[]) {
    if (isModelFile(p)) modelReads.push(`${name} ${String(p)}`);
    return original.call(this, p, ...rest);
  };
}

const context = {
  subscriptions: [] as { dispose(): unknown }[],
  extensionUri: Uri.file(REPO),
  extensionPath: REPO,
  extensionMode: 3,
  globalStorageUri: Uri.file(path.join(root, 'global')),
  storageUri: Uri.file(path.join(root, 'storage')),
  logUri: Uri.file(path.join(root, 'log')),
  globalState: { get: () => undefined, update: async () => undefined, keys: () => [] },
  workspaceState: { get: () => undefined, update: async () => undefined, keys: () => [] },
};
const extension = require('../../src/extension/extension') as { activate(c: unknown): void; deactivate(): void };
after(() => {
  for (const d of context.subscriptions) {
    try {
      d.dispose();
    } catch {
      /* a stub */
    }
  }
  extension.deactivate();
});

/** Runs `f`, giving up after `ms` (a command may wait on a dialog or a job forever); errors are fine here. */
async function settle(f: () => unknown, ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.resolve()
      .then(f)
      .catch(() => undefined),
    new Promise((r) => (timer = setTimeout(r, ms))),
  ]);
  clearTimeout(timer);
}

const ARGS: unknown[] = [
  undefined,
  Uri.file(config),
  config,
  run,
  Uri.file(run),
  { dir: run },
  ckpt,
  Uri.file(ckpt),
  { dir: ckpt, step: 1, name: 'step-000001' },
];

test('in Restricted Mode no command or page message starts a job or reads a model file', async () => {
  extension.activate(context);
  assert.ok(state.commands.size >= 8, `commands registered: ${[...state.commands.keys()]}`);
  for (const [id, command] of state.commands) {
    for (const arg of ARGS) await settle(() => command(arg, [arg]), 500);
    assert.deepEqual(started, [], `${id} started a process in Restricted Mode`);
  }
  // Every page the commands opened asks for what a page may ask: run a command, run a comparison.
  const messages = [
    { type: 'runCommand', runDir: run, command: 'maporl.startTraining' },
    { type: 'runCommand', runDir: run, command: 'maporl.prepareBaseAgents' },
    { type: 'run', source: 'task:arith', questions: 4, seed: 1 },
    { type: 'ready', runDir: run },
  ];
  assert.ok(state.messageHandlers.length > 0, 'the commands opened pages');
  for (const handler of state.messageHandlers) for (const m of messages) await settle(() => handler(m));
  assert.deepEqual(started, [], 'a page message started a process in Restricted Mode');
  assert.deepEqual(modelReads, [], 'model files read in Restricted Mode');
  assert.ok(
    state.warnings.some((w) => /Restricted Mode/.test(w)),
    'the user is told why',
  );
});

test('trusted, the commands that run the engine do start it (the check above can fail)', async () => {
  state.trusted = true;
  const startedBy = new Map<string, string[]>();
  for (const id of ['maporl.startTraining', 'maporl.resumeTraining', 'maporl.evaluateCheckpoint', 'maporl.prepareBaseAgents']) {
    const before = started.length;
    for (const arg of ARGS) await settle(() => state.commands.get(id)!(arg, [arg]), 500);
    startedBy.set(id, started.slice(before));
  }
  for (const [id, s] of startedBy)
    assert.ok(
      s.some((x) => /^fork /.test(x)),
      `${id} started nothing when trusted: ${[...startedBy].map(([k, v]) => `${k}: ${v.length}`).join(', ')}`,
    );
});
