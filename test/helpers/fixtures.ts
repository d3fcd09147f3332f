// The shared read-only fixtures (real public data; not shipped in the repository): $MAPORL_FIXTURES,
// else `shared/fixtures` next to the checkout, else the workplace's /work/shared/fixtures.
// A missing fixture FAILS the tests that need it, never skips them: a suite that passes without its
// real-data checks would say nothing about them.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const FIXTURES_DIR =
  [process.env.MAPORL_FIXTURES, path.resolve(__dirname, '../../../shared/fixtures'), '/work/shared/fixtures'].find(
    (d): d is string => d !== undefined && fs.existsSync(d),
  ) ?? path.resolve(__dirname, '../../../shared/fixtures');

/** The path of a fixture under FIXTURES_DIR; throws, naming where it looked, when it is missing. */
export function fixture(...parts: string[]): string {
  const p = path.join(FIXTURES_DIR, ...parts);
  if (!fs.existsSync(p)) throw new Error(`test fixture missing: ${p} (set MAPORL_FIXTURES to the shared fixtures folder)`);
  return p;
}
