// The benchmark's reference process runs without OpenBLAS's pinning variables (they hold OpenBLAS to
// AVX2 kernels on AVX-512 CPUs), while the bench's own process — and so tests and CI — keeps them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { OPENBLAS_PINNING, pinnedInParent, referenceEnv } from '../../bench/referenceEnv';

const PINNED = { OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '524288' };

test('the reference env lacks both pinning variables and sets the thread counts; the base env is unchanged', () => {
  const base = { ...PINNED, PATH: '/usr/bin', OMP_NUM_THREADS: '8' };
  const before = structuredClone(base);
  const env = referenceEnv(2, base);
  for (const name of OPENBLAS_PINNING) assert.equal(name in env, false, name);
  assert.equal(env.PATH, '/usr/bin');
  assert.equal(env.OMP_NUM_THREADS, '2');
  assert.equal(env.OPENBLAS_NUM_THREADS, '2');
  assert.equal(env.OMP_WAIT_POLICY, 'PASSIVE');
  assert.deepEqual(base, before);
  assert.deepEqual(pinnedInParent(base), PINNED);
});

test('a child started with it does not see the variables, and this process still has them', () => {
  const saved = Object.fromEntries(OPENBLAS_PINNING.map((n) => [n, process.env[n]]));
  Object.assign(process.env, PINNED);
  try {
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.env))'], {
      env: referenceEnv(1),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const childEnv = JSON.parse(r.stdout) as Record<string, string>;
    for (const name of OPENBLAS_PINNING) assert.equal(childEnv[name], undefined, name);
    assert.equal(childEnv.OPENBLAS_NUM_THREADS, '1');
    assert.equal(process.env.OPENBLAS_CORETYPE, 'Haswell');
    assert.equal(process.env.OPENBLAS_L2_SIZE, '524288');
  } finally {
    for (const [n, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  }
});
