// The shared read-only fixtures (real public data; not shipped in the repository): $MAPORL_FIXTURES,
// else `shared/fixtures` next to the checkout, else the workplace's /work/shared/fixtures.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const FIXTURES_DIR = [
  process.env.MAPORL_FIXTURES,
  path.resolve(__dirname, '../../../shared/fixtures'),
  '/work/shared/fixtures',
].find((d): d is string => d !== undefined && fs.existsSync(d)) ?? path.resolve(__dirname, '../../../shared/fixtures');
