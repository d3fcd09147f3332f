// The `maporl` command on generated bad input, as a user runs it: a mutated experiment config for
// `maporl train` and mutated data for `maporl sft` each end in exit 2 with one `maporl:` line and no
// stack trace, and nothing is written outside the run directory (the folder holding the config and
// the data, and the working directory, are unchanged). Only inputs that the readers refuse are run
// (the in-process fuzz tests cover the readers themselves); a few cases in `npm test`, more in
// `npm run test:faults`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { isBadInput } from '../../src/cli/errors';
import { parseConfig } from '../../src/engine/maporl/config';
import { createPresetModel, saveModel } from '../../src/engine/nn/model';
import { readSftJsonl } from '../../src/engine/sft/data';
import { CLI, ensureCli } from '../helpers/faults';
import { announce, fuzzParams, jsonlText, mutatedJson } from '../helpers/fuzz';
import { TINY_CONFIG } from '../helpers/tinyRun';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-fuzz-cli-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const inputs = path.join(root, 'inputs'),
  cwd = path.join(root, 'cwd'),
  base = path.join(root, 'base');
fs.mkdirSync(inputs);
fs.mkdirSync(cwd);
announce();

before(async () => {
  ensureCli();
  const model = await createPresetModel('tiny', 1);
  await saveModel(base, model, { tokenizerFiles: model.tokenizerFiles });
});

/** Every file under `dir` with its size and mtime: what "unchanged" means. */
function listing(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => path.join(e.parentPath, e.name))
    .map((p) => `${path.relative(dir, p)} ${fs.lstatSync(p).size} ${fs.lstatSync(p).mtimeMs}`)
    .sort();
}

let n = 0;
/** Runs `maporl ARGS` from `cwd`; asserts exit 2, one `maporl:` line, and nothing written outside `out`. */
function assertRefused(args: (out: string) => string[], input: string): void {
  const out = path.join(root, `out-${n++}`);
  const watched = [inputs, cwd, base];
  const before = watched.map(listing);
  const r = spawnSync(process.execPath, [CLI, ...args(out)], { cwd, encoding: 'utf8', timeout: 60_000 });
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(r.status, 2, `${input}\nexit ${r.status}, stderr:\n${r.stderr}`);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^maporl: \S/);
  assert.deepEqual(watched.map(listing), before, 'nothing written outside the run directory');
  fs.rmSync(out, { recursive: true, force: true });
}

const refused = (f: () => unknown) => {
  try {
    f();
    return false;
  } catch (err) {
    return isBadInput(err);
  }
};

test('train with a mutated config: exit 2, one line, nothing written outside the run directory', () => {
  const { seed, numRuns } = fuzzParams(4, 40);
  fc.assert(
    fc.property(mutatedJson(TINY_CONFIG), (value) => {
      fc.pre(refused(() => parseConfig(value)));
      const file = path.join(inputs, `c${n}.maporl.json`);
      fs.writeFileSync(file, JSON.stringify(value));
      assertRefused((out) => ['train', file, '--out', out], JSON.stringify(value).slice(0, 300));
    }),
    { seed, numRuns },
  );
});

test('sft with mutated data: exit 2, one line, nothing written outside the output directory', () => {
  const { seed, numRuns } = fuzzParams(4, 40);
  fc.assert(
    fc.property(jsonlText([{ prompt: 'Q: 1+1?\nA:', completion: ' 2' }]), (text) => {
      const file = path.join(inputs, `d${n}.jsonl`);
      fs.writeFileSync(file, text);
      fc.pre(refused(() => readSftJsonl(file)));
      assertRefused(
        (out) => ['sft', '--model', base, '--data', file, '--out', out, '--max-steps', '1', '--threads', '1'],
        text.slice(0, 300),
      );
    }),
    { seed, numRuns },
  );
});
