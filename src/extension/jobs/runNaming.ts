// Names of new run directories: `<experiment>-<YYYYMMDD-HHMMSS>` (local time), with `-2`, `-3`… when taken.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';

const pad = (n: number) => String(n).padStart(2, '0');

export function timestamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/** `gsm8k-small.maporl.json` -> `gsm8k-small`. */
export function experimentName(configPath: string): string {
  return (
    basename(configPath)
      .replace(/\.maporl\.json$/i, '')
      .replace(/\.json$/i, '') || 'run'
  );
}

export function newRunDir(
  runsFolder: string,
  configPath: string,
  now = new Date(),
  exists: (p: string) => boolean = existsSync,
): string {
  const base = `${experimentName(configPath)}-${timestamp(now)}`;
  let dir = join(runsFolder, base);
  for (let k = 2; exists(dir); k++) dir = join(runsFolder, `${base}-${k}`);
  return dir;
}
