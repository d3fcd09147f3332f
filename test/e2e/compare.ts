// End-to-end: MAPoRL: Compare Checkpoints… on two checkpoints of a tiny run that the CLI trains here
// (base agents fine-tuned for 200 steps, so that they answer and their answers can differ;
// random agents answer nothing). Picks the first and the last checkpoint in the quick pick, checks the
// panel's sides, config note and curves, runs the comparison from the panel (its progress, then the
// per-turn table and the questions whose majorities differ), opens one question side by side, takes
// screenshots in a light and a dark theme, opens both discussions in editors, and reopens the panel:
// the saved comparison shows without a new job. Needs `maporl train` and `maporl compare` in dist/cli.js.
// Called by run.ts with its page, after the other dashboard checks; leaves no editor open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { pickQuickItem, runCommand, treeRow, until, webviewFrame } from './workbench';

export interface CompareE2E {
  /** The workspace; the run goes to its runs folder. */
  ws: string;
  /** A scratch folder outside the workspace (config, base-agent cache). */
  scratch: string;
  artifacts: string;
  log(message: string): void;
}

const RUN = 'compare-arith';
const QUESTIONS = 20;

export async function compareCheckpointsE2E(page: Page, o: CompareE2E): Promise<void> {
  const cli = join(process.cwd(), 'dist', 'cli.js');
  const has = (cmd: string) =>
    existsSync(cli) && spawnSync(process.execPath, [cli, cmd, '--help'], { encoding: 'utf8', timeout: 30_000 }).status === 0;
  if (!has('train') || !has('compare')) throw new Error('dist/cli.js lacks `maporl train` or `maporl compare` (npm run build)');

  const runDir = join(o.ws, 'runs', RUN);
  const t = Date.now();
  await trainTinyRun(cli, runDir, o.scratch);
  o.log(
    `compare: trained ${RUN} with the CLI in ${((Date.now() - t) / 1000).toFixed(0)} s (checkpoints ${readdirSync(join(runDir, 'checkpoints')).join(', ')})`,
  );

  await runCommand(page, 'View: Close All Editors');
  await until(
    `the Runs view to show ${RUN} finished`,
    async () => /finished/.test((await treeRow(page, RUN).textContent()) ?? ''),
    30_000,
  );
  await openComparison(page);
  const frame = webviewFrame(page);
  await until('two sides in the panel', async () => (await frame.locator('.side').count()) === 2, 30_000);
  const sides = (await frame.locator('.side').allTextContents()).map((s) => s.replace(/\s+/g, ' '));
  if (!/step 0/.test(sides[0]) || !/step 4/.test(sides[1])) throw new Error(`unexpected sides: ${sides.join(' | ')}`);
  await frame.getByText('The sides are checkpoints of one run: same config.').waitFor({ state: 'visible', timeout: 10_000 });
  await frame.locator('figure.chart canvas').first().waitFor({ state: 'visible', timeout: 20_000 });
  o.log(
    `compare: the panel shows the sides (${sides.join(' | ')}), one run's config and ${await frame.locator('figure.chart').count()} overlaid charts`,
  );

  // Run the comparison from the panel; the engine is quick here, so the progress may be brief.
  await frame.locator('vscode-textfield[aria-label="Number of questions"] input').fill(String(QUESTIONS));
  await frame.locator('vscode-textfield[aria-label="Seed"] input').fill('0');
  await frame.locator('vscode-button.run').click();
  let sawProgress = false;
  await until(
    'the comparison table',
    async () => {
      sawProgress ||= (await frame.locator('.side-progress .side-state').count()) > 0;
      const error = await frame
        .locator('.outcome.error')
        .textContent({ timeout: 1000 })
        .catch(() => '');
      if (error) throw new Error(`the comparison failed in the panel: ${error}`);
      return (await frame.locator('body').getAttribute('data-result', { timeout: 1000 })) ? true : null;
    },
    180_000,
    150,
  );
  const rows = await frame.locator('table.turn-table tbody tr').count();
  if (rows !== 2) throw new Error(`the per-turn table has ${rows} rows, expected 2 turns`);
  const diff = (await frame.locator('table.turn-table td.diff').first().textContent()) ?? '';
  if (!/^[+−0].*\[.*,.*\]$/.test(diff)) throw new Error(`no difference with its interval in the table: "${diff}"`);
  const differing = await frame.locator('li.disagreement').count();
  if (differing === 0) throw new Error('no question with differing majorities to open');
  o.log(
    `compare: ran from the panel${sawProgress ? ' (per-side progress shown)' : ''}; per-turn table (${rows} turns, first difference ${diff}); ${differing} of ${QUESTIONS} questions differ`,
  );

  await frame.locator('li.disagreement button.question').first().click();
  await until(
    'both discussions side by side',
    async () => (await frame.locator('.side-by-side .side-discussion').count()) === 2,
    20_000,
  );
  o.log('compare: a differing question opens both discussions side by side');

  await screenshots(page, o);

  await frame.locator('.side-by-side vscode-button', { hasText: 'Open in editors' }).click();
  for (const name of ['side-0.transcripts.jsonl', 'side-1.transcripts.jsonl']) {
    await page.locator('.tabs-container .tab', { hasText: name }).first().waitFor({ state: 'visible', timeout: 20_000 });
  }
  o.log('compare: "Open in editors" opens both sides\' transcripts in editors');

  // Reopened, the panel shows the saved comparison at once: no job, no new comparison folder.
  const saved = readdirSync(join(runDir, 'comparisons'));
  await runCommand(page, 'View: Close All Editors');
  await openComparison(page);
  await until(
    'the saved comparison in the reopened panel',
    async () => ((await frame.locator('body').getAttribute('data-result', { timeout: 1000 })) ? true : null),
    20_000,
  );
  if ((await frame.locator('.side-progress .side-state').count()) > 0) throw new Error('reopening the panel started a job');
  if (readdirSync(join(runDir, 'comparisons')).join() !== saved.join())
    throw new Error('reopening the panel recomputed the comparison');
  o.log('compare: reopened, the panel shows the saved comparison without recomputing');
  await runCommand(page, 'View: Close All Editors');
}

/** A tiny arith run with checkpoints at steps 0, 2 and 4, trained by the CLI (about half a minute on two cores). */
async function trainTinyRun(cli: string, runDir: string, scratch: string): Promise<void> {
  mkdirSync(scratch, { recursive: true });
  const config = join(scratch, `${RUN}.maporl.json`);
  writeFileSync(
    config,
    JSON.stringify(
      {
        name: RUN,
        seed: 0,
        task: { type: 'arith' },
        baseAgents: { steps: 200, examples: 800 },
        agents: { count: 2, models: ['base-agents'], policySharing: 'shared' },
        discussion: { turns: 2 },
        generation: { maxNewTokens: 24, temperature: 1 },
        verifier: { type: 'ground-truth' },
        training: { mode: 'maporl', iterations: 4, questionsPerIteration: 4 },
        eval: { every: 2, questions: 8 },
        checkpoint: { every: 2 },
      },
      null,
      2,
    ),
  );
  const out: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [cli, 'train', config, '--out', runDir], {
      env: { ...process.env, MAPORL_CACHE_DIR: join(scratch, 'cache') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0) throw new Error(`maporl train ${RUN} exited ${code}: ${out.join('').slice(-2000)}`);
}

/** MAPoRL: Compare Checkpoints…, picking the run's first and last checkpoints. */
async function openComparison(page: Page): Promise<void> {
  await runCommand(page, 'MAPoRL: Compare Checkpoints…');
  // The other tests' runs come first when newer: narrow the list to this run's entries.
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await page
    .locator('.quick-input-widget .quick-input-title', { hasText: 'Compare Checkpoints' })
    .waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`${RUN} · step`);
  await pickQuickItem(page, `${RUN} · step 0`);
  await pickQuickItem(page, `${RUN} · step 4`);
  const checked = page.locator('.quick-input-widget .monaco-list-row[aria-checked="true"]');
  await until('two checked sides in the quick pick', async () => (await checked.count()) === 2, 5000);
  await page.keyboard.press('Enter');
}

async function screenshots(page: Page, o: CompareE2E): Promise<void> {
  const frame = webviewFrame(page);
  const shoot = async (name: string) => {
    await frame.locator('body').evaluate((body) => body.ownerDocument.defaultView?.scrollTo(0, 0));
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(o.artifacts, `compare-${name}.png`) });
    await frame.locator('.result').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(o.artifacts, `compare-result-${name}.png`) });
  };
  await shoot('light');
  await setColorTheme(page, 'Dark Modern');
  await until(
    'the dark theme',
    async () => ((await page.locator('.monaco-workbench').getAttribute('class'))?.includes('vs-dark') ? true : null),
    20_000,
  );
  await page.waitForTimeout(1000); // the charts redraw with the theme's colours
  await shoot('dark');
  await setColorTheme(page, 'Light Modern');
  await until(
    'the light theme',
    async () => ((await page.locator('.monaco-workbench').getAttribute('class'))?.includes('vs-dark') ? null : true),
    20_000,
  );
  o.log('compare: screenshots .test-artifacts/e2e/compare-{light,dark}.png, compare-result-{light,dark}.png');
}

async function setColorTheme(page: Page, label: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  await page
    .locator('.quick-input-widget .monaco-list-row', { hasText: 'Light Modern' })
    .first()
    .waitFor({ state: 'visible', timeout: 10_000 });
  await page.locator('.quick-input-widget .quick-input-box input').fill(label);
  await pickQuickItem(page, label);
}
