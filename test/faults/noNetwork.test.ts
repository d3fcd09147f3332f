// The engine opens no network connection: a tiny `maporl train` and `maporl sft` complete in a network
// namespace with no interfaces (`unshare -n`, as root), and a hook that records every socket, DNS
// lookup, UDP socket and fetch (test/helpers/netHook.cjs) sees none. Where `unshare -n` is not
// permitted, the hook alone (which fails each attempt, as no network would) decides, and says so.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { sftRecords, writeSftJsonl } from '../../src/engine/maporl/base/sftData';
import { createPresetModel, saveModel } from '../../src/engine/nn/model';
import { CLI, ensureCli, say } from '../helpers/faults';
import { writeTinyConfig } from '../helpers/tinyRun';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-nonet-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const HOOK = path.join(__dirname, '..', 'helpers', 'netHook.cjs');
const netLog = path.join(root, 'net.log');
const unshare = spawnSync('unshare', ['-n', 'true']).status === 0;

before(() => {
  ensureCli();
  say(
    unshare
      ? 'running in a network namespace without interfaces (unshare -n)'
      : 'unshare -n is not permitted here: the network hook alone checks',
  );
});

function offline(args: string[]) {
  const node = [process.execPath, '--require', HOOK, CLI, ...args];
  const [cmd, ...rest] = unshare ? ['unshare', '-n', ...node] : node;
  return spawnSync(cmd, rest, { encoding: 'utf8', env: { ...process.env, MAPORL_NET_LOG: netLog } });
}

const attempts = () => (fs.existsSync(netLog) ? fs.readFileSync(netLog, 'utf8') : '');

test('a tiny training run completes with no network and tries none', () => {
  const out = path.join(root, 'run');
  const r = offline(['train', writeTinyConfig(root, { iterations: 2 }), '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).status, 'finished');
  assert.equal(attempts(), '', 'network attempts');
});

test('sft completes with no network and tries none', async () => {
  const base = path.join(root, 'base'),
    data = path.join(root, 'sft.jsonl');
  const model = await createPresetModel('tiny', 1);
  await saveModel(base, model, { tokenizerFiles: model.tokenizerFiles });
  writeSftJsonl(data, sftRecords('arith', 'train', 16, 1));
  const r = offline([
    'sft',
    '--model',
    base,
    '--data',
    data,
    '--out',
    path.join(root, 'sft'),
    '--max-steps',
    '2',
    '--batch-size',
    '4',
    '--threads',
    '1',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(attempts(), '', 'network attempts');
});

test('the hook does see an attempt (the check can fail)', () => {
  const r = spawnSync(process.execPath, ['--require', HOOK, '-e', "require('node:dns').lookup('example.com', () => {})"], {
    encoding: 'utf8',
    env: { ...process.env, MAPORL_NET_LOG: netLog },
  });
  assert.notEqual(r.status, 0);
  assert.match(attempts(), /dns\.lookup \["example\.com"\]/);
  fs.rmSync(netLog);
});
