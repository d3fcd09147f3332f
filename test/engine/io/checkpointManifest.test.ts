// A checkpoint's manifest.json catches every file changed after the checkpoint was published (a
// flipped byte, a cut file, a missing one, a broken manifest), and `newestIntact` then falls back to
// the previous checkpoint with exactly one warning line. A checkpoint without a manifest (written
// before manifests existed) still loads.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { writeDirAtomic } from '../../../src/engine/io/atomic';
import { checkpointDamage, MANIFEST_FILE, newestIntact, writeManifest } from '../../../src/engine/io/checkpointManifest';

async function checkpoint(parent: string, name: string): Promise<string> {
  const dir = path.join(parent, name);
  await writeDirAtomic(dir, (tmp) => {
    fs.writeFileSync(path.join(tmp, 'trainer_state.json'), JSON.stringify({ name }));
    fs.mkdirSync(path.join(tmp, 'policy-0'));
    fs.writeFileSync(path.join(tmp, 'policy-0', 'model.safetensors'), Buffer.alloc(4096, name.length));
    writeManifest(tmp);
  });
  return dir;
}

const root = () => fs.mkdtempSync(path.join(tmpdir(), 'maporl-manifest-'));

test('an untouched checkpoint is intact; one without a manifest counts as intact', async () => {
  const r = root();
  const dir = await checkpoint(r, 'step-000001');
  assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')).files), [
    'policy-0/model.safetensors',
    'trainer_state.json',
  ]);
  assert.equal(checkpointDamage(dir), null);
  fs.rmSync(path.join(dir, MANIFEST_FILE));
  assert.equal(checkpointDamage(dir), null, 'older checkpoints have no manifest and still load');
});

test('a flipped byte, a cut file, a missing file or a broken manifest is damage, naming the file', async () => {
  const r = root();
  const cases: [string, (dir: string) => void, RegExp][] = [
    [
      'flip',
      (d) => {
        const f = path.join(d, 'policy-0', 'model.safetensors');
        const b = fs.readFileSync(f);
        b[1234] ^= 0x01;
        fs.writeFileSync(f, b);
      },
      /^policy-0\/model\.safetensors does not match its SHA-256/,
    ],
    [
      'cut',
      (d) => fs.truncateSync(path.join(d, 'policy-0', 'model.safetensors'), 100),
      /^policy-0\/model\.safetensors has 100 bytes, the manifest says 4096$/,
    ],
    ['missing', (d) => fs.rmSync(path.join(d, 'trainer_state.json')), /^trainer_state\.json is missing$/],
    ['manifest', (d) => fs.writeFileSync(path.join(d, MANIFEST_FILE), '{"form'), /^manifest\.json is unreadable/],
    [
      'format',
      (d) => fs.writeFileSync(path.join(d, MANIFEST_FILE), '{"format": "x", "files": {}}'),
      /^manifest\.json is not a maporl-checkpoint-manifest\/1 manifest$/,
    ],
  ];
  for (const [name, damage, expected] of cases) {
    const dir = await checkpoint(r, `step-${name}`);
    damage(dir);
    assert.match(checkpointDamage(dir) ?? 'intact', expected, name);
  }
});

test('newestIntact passes over damaged checkpoints with one warning line and returns the previous one', async () => {
  const r = root();
  const names = ['step-000000', 'step-000001', 'step-000002', 'step-000003'];
  for (const n of names) await checkpoint(r, n);
  const warnings: string[] = [];
  assert.equal(
    newestIntact(r, names, (l) => warnings.push(l)),
    path.join(r, 'step-000003'),
  );
  assert.equal(warnings.length, 0, 'no warning when the newest is intact');

  fs.appendFileSync(path.join(r, 'step-000003', 'policy-0', 'model.safetensors'), 'x');
  fs.writeFileSync(path.join(r, 'step-000002', 'trainer_state.json'), '{"name":"step-000009"}');
  assert.equal(
    newestIntact(r, names, (l) => warnings.push(l)),
    path.join(r, 'step-000001'),
  );
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(
    warnings[0],
    /^warning: damaged checkpoint .*step-000003 \(policy-0\/model\.safetensors has 4097 bytes.*\); .*step-000002 \(trainer_state\.json does not match.*\); using .*step-000001 instead$/,
  );
  assert.ok(!warnings[0].includes('\n'));

  for (const n of names) fs.rmSync(path.join(r, n, 'trainer_state.json'));
  warnings.length = 0;
  assert.equal(
    newestIntact(r, names, (l) => warnings.push(l)),
    null,
  );
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /no intact checkpoint is left$/);
});
