// End-to-end: a sweep from the palette. Writes a *.sweep.json over two seeds of the scaffolded
// experiment, runs `MAPoRL: Start Sweep…` with the local executor, follows the Sweeps view until both
// runs are finished (sweep → cell → runs), opens `MAPoRL: Open Sweep Report` and checks the panel's
// per-turn table (one cell, 2 of 2 seeds) and its reward chart, and compares the panel's table with
// what `maporl sweep report --json` says about the same directory. Called by run.ts with its page.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { pickQuickItem, runCommand, treeRow, until, webviewFrame } from './workbench';

export interface SweepE2E {
  /** The workspace: holds the scaffolded `e2e-exp.maporl.json`; the sweep goes to its runs folder. */
  ws: string;
  artifacts: string;
  log(message: string): void;
}

const NAME = 'e2e-sweep';

export async function sweepE2E(page: Page, o: SweepE2E): Promise<void> {
  const file = join(o.ws, `${NAME}.sweep.json`);
  writeFileSync(
    file,
    JSON.stringify({ base: 'e2e-exp.maporl.json', grid: { seed: [0, 1] }, local: { cores: 2 } }, null, 2) + '\n',
  );
  const dir = join(o.ws, 'runs', NAME);
  const t = Date.now();

  await runCommand(page, 'View: Close All Editors');
  await runCommand(page, 'MAPoRL: Start Sweep…');
  await pickQuickItem(page, 'local'); // the executor; the workspace's only sweep file needs no pick
  await until(`the sweep directory ${dir}`, async () => existsSync(join(dir, 'sweep.json')), 60_000, 500);

  // The view shows the sweep with both runs finished; expanding it shows its cell and the runs.
  await runCommand(page, 'View: Show MAPoRL');
  const sweepRow = treeRow(page, NAME);
  await until(
    'the Sweeps view to show two finished runs',
    async () => /2 finished/.test((await sweepRow.textContent()) ?? '') || null,
    240_000,
    1000,
  ).catch(async (e) => {
    throw new Error(`${(e as Error).message}; the row says "${await sweepRow.textContent().catch(() => '?')}"`);
  });
  o.log(
    `sweep: Start Sweep… (local) ran ${NAME}'s two runs in ${((Date.now() - t) / 1000).toFixed(0)} s; the Sweeps view says "${(await sweepRow.textContent())?.trim()}"`,
  );
  await sweepRow.click();
  const cellRow = treeRow(page, /^\s*base\s*2 finished/);
  await cellRow.waitFor({ state: 'visible', timeout: 10_000 });
  await cellRow.click();
  for (const seed of [0, 1]) await treeRow(page, `base__seed-${seed}`).waitFor({ state: 'visible', timeout: 10_000 });
  o.log('sweep: the view expands to the cell "base" and its runs base__seed-0, base__seed-1');

  // The report panel and the CLI's report agree.
  await runCommand(page, 'MAPoRL: Open Sweep Report');
  const frame = webviewFrame(page);
  const row = frame.locator('table tbody tr').first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  const rows = await frame.locator('table tbody tr').count();
  const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
  if (rows !== 1 || cells[0] !== 'base' || cells[1] !== '2/2')
    throw new Error(
      `the report table shows ${rows} rows, first ${JSON.stringify(cells)}; expected one cell "base" with 2/2 runs`,
    );
  await frame.locator('svg').first().waitFor({ state: 'visible', timeout: 10_000 });
  const cli = spawnSync(process.execPath, [join(process.cwd(), 'dist', 'cli.js'), 'sweep', 'report', dir, '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (cli.status !== 0) throw new Error(`maporl sweep report failed (${cli.status}): ${cli.stderr}`);
  const report = JSON.parse(cli.stdout) as { cells: { cell: string; majorityAccuracyAfter: ({ mean: number } | null)[] }[] };
  const turn1 = report.cells[0].majorityAccuracyAfter[0];
  const shown = cells[2];
  if (!turn1 || !shown.startsWith((100 * turn1.mean).toFixed(1)))
    throw new Error(`the panel shows turn 1 = "${shown}", the CLI's report ${JSON.stringify(turn1)}`);
  await page.screenshot({ path: join(o.artifacts, 'sweep-report.png') });
  o.log(
    `sweep: Open Sweep Report shows one cell with 2/2 runs, turn 1 "${shown}" as \`maporl sweep report\` says, and the reward chart`,
  );
  await runCommand(page, 'View: Close All Editors');
}
