// Runs a PyTorch reference script (test/reference/*.py) with Debian's python3-torch and exchanges
// data as JSON files in a temp dir. JSON keeps float64 exactly: JS prints the shortest string that
// round-trips a double and Python parses it back to the same double.
//
// Torch missing is a test FAILURE, not a skip: the parity tests are part of the suite CI runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Debian's interpreter: a pyenv `python3` earlier on PATH usually lacks torch. Override: MAPORL_PYTHON. */
export const PYTHON = process.env.MAPORL_PYTHON ?? '/usr/bin/python3';
const REFERENCE_DIR = resolve(__dirname, '..', 'reference');
const INSTALL_HINT =
  'install it with `sudo apt-get install python3-torch libopenblas0-pthread` (Debian/Ubuntu), or point MAPORL_PYTHON at a python3 that has torch';

let checked: string | undefined;

/** torch's version string; throws a clear error when python3 or torch is missing. */
export function torchVersion(): string {
  if (checked) return checked;
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error) throw new Error(`PyTorch reference: cannot run ${PYTHON} (${r.error.message}); ${INSTALL_HINT}`);
  if (r.status !== 0)
    throw new Error(`PyTorch reference: ${PYTHON} cannot import torch (${lastLine(r.stderr)}); ${INSTALL_HINT}`);
  checked = r.stdout.trim();
  return checked;
}

/**
 * Runs `test/reference/<script>` with the request as JSON (path in argv[1]) and returns the JSON
 * the script wrote (path in argv[2]). One thread: the references are small and the runner shares
 * two cores with the rest of the suite.
 */
export function runTorch<Res = unknown>(script: string, request: unknown): Res {
  torchVersion();
  const dir = mkdtempSync(join(tmpdir(), 'maporl-torch-'));
  try {
    const reqPath = join(dir, 'request.json');
    const resPath = join(dir, 'response.json');
    writeFileSync(reqPath, JSON.stringify(request));
    const r = spawnSync(PYTHON, [join(REFERENCE_DIR, script), reqPath, resPath], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`PyTorch reference ${script} failed (exit ${r.status}):\n${r.stderr}`);
    return JSON.parse(readFileSync(resPath, 'utf8')) as Res;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}
