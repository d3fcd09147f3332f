// One short engine command whose output the caller reads (a model check, a `--json` answer), run as a
// child process like every engine job: onnxruntime never runs on the extension host's thread.
import { execFile } from 'node:child_process';

export interface EngineResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runEngineOnce(
  cliPath: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; timeoutMs: number },
): Promise<EngineResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      {
        cwd: opts.cwd,
        timeout: opts.timeoutMs,
        maxBuffer: 4 << 20,
        encoding: 'utf8',
        env: { ...process.env, ...opts.env, ELECTRON_RUN_AS_NODE: '1' },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr: err && code === null ? `${stderr}\n${err.message}` : stderr });
      },
    );
  });
}

/** The last non-empty line of an engine's stderr: its one-line error (design.md, exit codes). */
export const lastLine = (text: string): string =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .pop() ?? '';
