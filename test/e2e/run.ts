// `npm run test:e2e`: the extension in a real VS Code (code-server + chromium, docs/e2e.md).
//
//  1. install the .vsix built by `npm run package`;
//  2. New Experiment… scaffolds a config and a dataset and opens them;
//  3. the dashboard of a run directory renders curves and discussions; the run directory here is
//     WRITTEN BY THE TEST (fixtures/fakeRun.ts), standing in for a CLI run, and grows while the panel
//     is open, so following a run from its files is checked too;
//  4. clicking a question opens the dataset at its line beside the panel;
//  5. screenshots of the dashboard in a light and a dark theme (.test-artifacts/e2e/);
//  6. reload the window: the run is still listed and the dashboard comes back;
//  7. Start Training / Stop Training / Resume Training / Stop again / Evaluate Checkpoint… / reload,
//     through the engine in dist/cli.js: a missing or broken `maporl train` there fails the suite.
//  8. the same workspace, untrusted: Restricted Mode lists the runs and refuses to start training.
// Artefacts and, on failure, the extension host log go to .test-artifacts/e2e/.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { appendStep, writeFakeRun } from '../extension/fixtures/fakeRun';
import { annotateTranscriptsE2E } from './annotate';
import { compareCheckpointsE2E } from './compare';
import { sweepE2E } from './sweeps';
import { newcomer } from './newcomer';
import { BASE_SETTINGS, extensionHostLog, installExtension, launchBrowser, makeProfile, startCodeServer } from './codeServer';
import {
  activeTab,
  answerQuickInput,
  cursorPosition,
  filterQuickPick,
  openViewContainer,
  pickQuickItem,
  runCommand,
  treeRow,
  until,
  waitForWorkbench,
  webviewFrame,
} from './workbench';

const ARTIFACTS = join(process.cwd(), '.test-artifacts', 'e2e');
const t0 = Date.now();
const log = (msg: string) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
}

/** The training steps need the bundled engine's `maporl train`: without it the suite fails (a skip would pass unseen). */
function assertEngineCanTrain(): void {
  if (!existsSync('dist/cli.js')) throw new Error('dist/cli.js is missing (npm run build)');
  const r = spawnSync(process.execPath, ['dist/cli.js', 'train', '--help'], { encoding: 'utf8', timeout: 30_000 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 || /unknown command/.test(output)) {
    throw new Error(
      `dist/cli.js train --help failed (exit ${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ''}): ${output.trim().split('\n').pop() ?? ''}`,
    );
  }
}

/** A workspace with a dataset and a run directory in the runs folder, written here (no engine). */
function makeWorkspace(root: string) {
  const ws = join(root, 'workspace');
  const datasetFile = join(ws, 'data', 'fixture-train.jsonl');
  mkdirSync(join(ws, 'data'), { recursive: true });
  const questions = Array.from(
    { length: 12 },
    (_, k) => `Fixture question ${k + 1}: a shop sells ${k + 3} pens a day; how many in ${k + 2} days?`,
  );
  writeFileSync(
    datasetFile,
    questions.map((q, k) => JSON.stringify({ question: q, answer: `#### ${(k + 3) * (k + 2)}` })).join('\n') + '\n',
  );
  const dataset = { file: datasetFile, questions };
  const runDir = writeFakeRun(join(ws, 'runs', 'fixture-run'), { steps: 40, dataset, checkpointEvery: 20 });
  return { ws, runDir, dataset };
}

async function dashboardStep(page: Page): Promise<number> {
  const step = await webviewFrame(page).locator('body').getAttribute('data-step', { timeout: 2000 });
  return Number(step ?? 0);
}

async function main(): Promise<void> {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  sh('bash', ['scripts/e2e-setup.sh']);
  log('packaging the extension');
  sh('npm', ['run', '--silent', 'package']);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const vsix = `${pkg.name}-${pkg.version}-linux-x64.vsix`;

  const root = mkdtempSync(join(tmpdir(), 'maporl-e2e-'));
  const profile = makeProfile(root, BASE_SETTINGS);
  const { ws, runDir, dataset } = makeWorkspace(root);
  installExtension(profile, vsix);
  log(`installed ${vsix}; workspace ${ws}`);

  const server = await startCodeServer(profile, ws);
  const { context, page } = await launchBrowser(profile);
  const consoleProblems: string[] = [];
  page.on('console', (m) => {
    const text = m.text();
    if (/Content Security Policy|Refused to (load|execute|apply)|\[maporl dashboard\]/.test(text)) consoleProblems.push(text);
  });
  let phase = 'start';
  try {
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await waitForWorkbench(page);
    log('workbench up');

    phase = 'the Runs view lists the run written by the test';
    await openViewContainer(page, 'MAPoRL');
    await treeRow(page, 'fixture-run').waitFor({ state: 'visible', timeout: 30_000 });
    log('Runs view lists fixture-run');

    phase = 'New Experiment…';
    await runCommand(page, 'MAPoRL: New Experiment…');
    await pickQuickItem(page, 'Example word-problem files'); // the template with data files (Evaluate Checkpoint… below uses them)
    await answerQuickInput(page, 'e2e-exp');
    await until(
      'the new config to open',
      async () => ((await activeTab(page).textContent())?.includes('e2e-') ? true : null),
      20_000,
    );
    for (const f of ['e2e-exp.maporl.json', 'data/e2e-exp-train.jsonl', 'data/e2e-exp-test.jsonl']) {
      if (!existsSync(join(ws, f))) throw new Error(`New Experiment… did not write ${f}`);
    }
    await treeRow(page, 'e2e-exp').waitFor({ state: 'visible', timeout: 20_000 });
    log('New Experiment… wrote and opened e2e-exp.maporl.json and its dataset; Experiments view lists it');

    phase = 'the dashboard of the run';
    await runCommand(page, 'MAPoRL: Open Run Dashboard');
    const frame = webviewFrame(page);
    await frame.locator('figure.chart canvas').first().waitFor({ state: 'visible', timeout: 30_000 });
    await frame.locator('article.discussion').first().waitFor({ state: 'visible', timeout: 30_000 });
    // Nine charts shown; the tenth, dynamic sampling's, stays hidden: this run logs no such counts.
    const charts = await frame.locator('figure.chart:visible').count();
    const all = await frame.locator('figure.chart').count();
    if (charts !== 9 || all !== 10) throw new Error(`expected 9 of 10 charts shown, found ${charts} of ${all}`);
    await until('the dashboard to show step 40', async () => (await dashboardStep(page)) === 40);
    log(`dashboard shows ${charts} charts, discussions and step 40`);

    phase = 'following the run from its files while another process appends';
    for (let step = 41; step <= 45; step++) appendStep(runDir, step, 2, 3, dataset);
    await until('the dashboard to follow the files to step 45', async () => (await dashboardStep(page)) === 45, 20_000);
    log('dashboard followed appended steps (41..45) from the run files');

    phase = 'a question opens the dataset at its line, beside the panel';
    const newest = frame.locator('article.discussion').first();
    const title = await newest.locator('button.question').getAttribute('title');
    const expectedLine = Number(/:(\d+)$/.exec(title ?? '')?.[1]);
    await newest.locator('button.question').click();
    await until(
      'the dataset to open',
      async () => ((await activeTab(page).textContent())?.includes('fixture-train.jsonl') ? true : null),
      20_000,
    );
    const pos = await until('the cursor position', () => cursorPosition(page), 10_000);
    if (pos.line !== expectedLine) throw new Error(`the dataset opened at line ${pos.line}, expected ${expectedLine}`);
    log(`question link opened fixture-train.jsonl at line ${pos.line}`);

    phase = 'screenshots, light and dark';
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'MAPoRL: Open Run Dashboard');
    await frame.locator('figure.chart canvas').first().waitFor({ state: 'visible' });
    await page.waitForTimeout(500);
    await screenshotDashboard(page, 'dashboard-light.png');
    await setColorTheme(page, 'Dark Modern');
    await until(
      'the dark theme',
      async () => ((await page.locator('.monaco-workbench').getAttribute('class'))?.includes('vs-dark') ? true : null),
      20_000,
    );
    await page.waitForTimeout(1000); // the charts redraw with the new theme colours
    await screenshotDashboard(page, 'dashboard-dark.png');
    await frame.locator('section[aria-label="Discussions"] h2').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'discussions-dark.png') });
    await setColorTheme(page, 'Light Modern');
    log('screenshots: .test-artifacts/e2e/dashboard-light.png, dashboard-dark.png, discussions-dark.png');

    phase = 'the run stops (as a CLI run would); the view shows it';
    appendFileSync(
      join(runDir, 'events.jsonl'),
      JSON.stringify({ type: 'status', step: 45, time: new Date().toISOString(), status: 'stopped' }) + '\n',
    );
    await openViewContainer(page, 'MAPoRL');
    await until(
      'the Runs view to show fixture-run stopped',
      async () => /stopped/.test((await treeRow(page, 'fixture-run').textContent()) ?? ''),
      20_000,
    );
    log('Runs view shows fixture-run stopped');

    phase = 'a large run stays smooth: 10,000 iterations of metrics and 5,000 transcripts';
    await measureLargeRun(page, ws);

    phase = 'annotating transcripts';
    await annotateTranscriptsE2E(page, { ws, artifacts: ARTIFACTS, log, setColorTheme });

    phase = 'comparing checkpoints';
    await compareCheckpointsE2E(page, { ws, scratch: join(root, 'compare'), artifacts: ARTIFACTS, log });

    phase = 'a sweep from the palette';
    await sweepE2E(page, { ws, artifacts: ARTIFACTS, log });

    phase = 'training through the engine';
    assertEngineCanTrain();
    const { name: lastDashboard, end: lastEnd } = await trainAndStop(page, ws);

    phase = 'reload: the run is still listed and the dashboard comes back';
    await page.evaluate('window.__maporlBeforeReload = true');
    await runCommand(page, 'Developer: Reload Window');
    await until(
      'the window to reload',
      async () => (await page.evaluate('window.__maporlBeforeReload === undefined').catch(() => false)) === true,
      30_000,
    );
    await waitForWorkbench(page);
    // The side bar sometimes comes back hidden after a reload (1 run in 2 here), with the
    // container's activity-bar item unselected or not: its "View: Show" command opens it either way.
    await runCommand(page, 'View: Show MAPoRL');
    await treeRow(page, 'fixture-run').waitFor({ state: 'visible', timeout: 30_000 });
    await until(
      `the Runs view to list ${lastDashboard} as ${lastEnd}`,
      async () => new RegExp(lastEnd).test((await treeRow(page, lastDashboard).textContent()) ?? ''),
      30_000,
    );
    await until(
      `the restored dashboard of ${lastDashboard}`,
      async () =>
        (await dashboardStep(page)) >= 1 &&
        (await webviewFrame(page).locator('.run-name strong').textContent({ timeout: 2000 })) === lastDashboard,
      30_000,
    );
    log(`after reload: the runs are listed and the dashboard of ${lastDashboard} is restored by its serializer`);

    if (consoleProblems.length) throw new Error(`webview console reported:\n${consoleProblems.join('\n')}`);
    log('no CSP violations or dropped messages in the console');
  } catch (e) {
    await page.screenshot({ path: join(ARTIFACTS, 'failure.png') }).catch(() => {});
    const hostLog = extensionHostLog(profile);
    writeFileSync(join(ARTIFACTS, 'exthost.log'), hostLog);
    console.error(
      `\n[e2e] FAILED in "${phase}": ${(e as Error).message}\n--- extension host log ---\n${hostLog}\n--- code-server output ---\n${server.output.join('').slice(-4000)}`,
    );
    if (consoleProblems.length) console.error(`--- console ---\n${consoleProblems.join('\n')}`);
    process.exitCode = 1;
  } finally {
    await context.close().catch(() => {});
    await server.stop();
  }
  if (!process.exitCode) await restrictedMode(root, ws, vsix);
  if (!process.exitCode) await newcomer(root, vsix, ARTIFACTS, log);
  rmSync(root, { recursive: true, force: true });
  log(process.exitCode ? 'e2e failed' : 'e2e passed');
}

/**
 * The same workspace, not trusted (VS Code's Restricted Mode): the runs are listed, but Start
 * Training refuses with a message naming Restricted Mode and no run directory appears.
 */
async function restrictedMode(root: string, ws: string, vsix: string): Promise<void> {
  const profile = makeProfile(join(root, 'restricted'), {
    ...BASE_SETTINGS,
    'security.workspace.trust.enabled': true,
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'never',
    'security.workspace.trust.untrustedFiles': 'open',
  });
  installExtension(profile, vsix);
  const server = await startCodeServer(profile, ws, { workspaceTrust: true });
  const { context, page } = await launchBrowser(profile);
  try {
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await waitForWorkbench(page);
    await runCommand(page, 'View: Show MAPoRL');
    await treeRow(page, 'fixture-run').waitFor({ state: 'visible', timeout: 30_000 });
    const runsBefore = readdirSync(join(ws, 'runs')).sort().join(',');
    // The command is disabled in an untrusted workspace (enablement isWorkspaceTrusted), so the
    // palette does not offer it; were it run anyway, it refuses with a message naming Restricted Mode.
    const offered = await runCommand(page, 'MAPoRL: Start Training', 2).then(
      () => true,
      () => false,
    );
    let how = 'not offered in the palette';
    if (offered) {
      const warning = page
        .locator('.notifications-toasts .notification-list-item-message', { hasText: 'Restricted Mode' })
        .first();
      await warning.waitFor({ state: 'visible', timeout: 20_000 });
      how = `refused ("${(await warning.textContent())?.slice(0, 60)}…")`;
    }
    await page.keyboard.press('Escape');
    await page.waitForTimeout(3000); // a job, had one started, would have made its run directory by now
    const runsAfter = readdirSync(join(ws, 'runs')).sort().join(',');
    if (runsAfter !== runsBefore) throw new Error(`a run started in Restricted Mode: ${runsBefore} -> ${runsAfter}`);
    // Read-only use still works: the dashboard of a run opens and renders.
    await runCommand(page, 'MAPoRL: Open Run Dashboard');
    const choice = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'fixture-run' }).first();
    if (
      await choice.waitFor({ state: 'visible', timeout: 5000 }).then(
        () => true,
        () => false,
      )
    )
      await choice.click();
    await webviewFrame(page).locator('figure.chart canvas').first().waitFor({ state: 'visible', timeout: 30_000 });
    log(`Restricted Mode: the runs are listed and a dashboard renders; Start Training ${how}; no run started`);
  } catch (e) {
    await page.screenshot({ path: join(ARTIFACTS, 'failure-restricted.png') }).catch(() => {});
    console.error(
      `\n[e2e] FAILED in "Restricted Mode": ${(e as Error).message}\n--- extension host log ---\n${extensionHostLog(profile)}`,
    );
    process.exitCode = 1;
  } finally {
    await context.close().catch(() => {});
    await server.stop();
  }
}

/** Picks a built-in theme by its label in the theme picker (`Dark Modern`, `Light Modern`). */
/**
 * Opens the dashboard of a run with 10,000 metrics steps and 5,000 transcripts (written here), and
 * measures: time to the first full render, latency of a live update, and the longest gap between
 * animation frames while steps arrive every 100 ms.
 */
async function measureLargeRun(page: Page, ws: string): Promise<void> {
  const dir = writeFakeRun(join(ws, 'runs', 'large-run'), { steps: 10_000, transcriptEvery: 2, checkpointEvery: 2500 });
  await runCommand(page, 'View: Close All Editors');
  await treeRow(page, 'large-run').waitFor({ state: 'visible', timeout: 20_000 });
  const t = Date.now();
  await runCommand(page, 'MAPoRL: Open Run Dashboard'); // the one running run: no pick needed
  await until(
    'the large run rendered',
    async () => (await dashboardStep(page)) === 10_000 && (await webviewFrame(page).locator('article.discussion').count()) > 0,
    60_000,
    100,
  );
  const loadMs = Date.now() - t;
  const u = Date.now();
  appendStep(dir, 10_001);
  await until('a live update of the large run', async () => (await dashboardStep(page)) === 10_001, 20_000, 50);
  const updateMs = Date.now() - u;
  // Runs in the page: the longest gap between two animation frames over 2.5 s. A string, because the
  // test's TypeScript transform would add helpers to a function that the page does not have.
  const frames = webviewFrame(page).locator('body').evaluate(`new Promise((resolve) => {
    let last = performance.now(), worst = 0;
    const end = last + 2500;
    const tick = (now) => {
      worst = Math.max(worst, now - last);
      last = now;
      if (now < end) requestAnimationFrame(tick); else resolve(worst);
    };
    requestAnimationFrame(tick);
  })`) as Promise<number>;
  frames.catch(() => {}); // awaited below; keep an early failure from being unhandled meanwhile
  for (let step = 10_002; step <= 10_021; step++) {
    appendStep(dir, step);
    await new Promise((r) => setTimeout(r, 100));
  }
  const worstFrameMs = await frames;
  await until('the large run to follow 20 more steps', async () => (await dashboardStep(page)) === 10_021, 20_000, 100);
  log(
    `large run (10,000 steps, 5,000 transcripts): first render ${loadMs} ms (palette and pick included), live update ${updateMs} ms, longest frame gap while following ${worstFrameMs.toFixed(0)} ms`,
  );
  if (loadMs > 30_000 || updateMs > 5000 || worstFrameMs > 1000) throw new Error('the dashboard is too slow on a large run');
  await runCommand(page, 'View: Close All Editors');
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

async function screenshotDashboard(page: Page, name: string): Promise<void> {
  await webviewFrame(page)
    .locator('body')
    .evaluate((body) => body.ownerDocument.defaultView?.scrollTo(0, 0));
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(ARTIFACTS, name) });
}

/**
 * Start Training on the scaffolded config, wait for a curve point and a discussion, stop, check the run
 * is resumable (stopped, with a checkpoint). Returns the run's name.
 */
async function trainAndStop(page: Page, ws: string): Promise<{ name: string; end: string }> {
  // The template's 20 iterations end in about 9 s on a quick machine, which let the run finish before
  // the palette's Stop Training landed (CI, stop 21): the run under test gets iterations enough to be
  // stopped for sure. Written before the editors close, so the config opens below with this text.
  const configFile = join(ws, 'e2e-exp.maporl.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as { training: { iterations: number } };
  config.training.iterations = 500;
  writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n');
  // Only the new run's dashboard should be open: close everything, then open the config.
  await runCommand(page, 'View: Close All Editors');
  await treeRow(page, 'e2e-exp').click();
  await until(
    'the config to open',
    async () => ((await activeTab(page).textContent())?.includes('e2e-exp.maporl.json') ? true : null),
    20_000,
  );
  await runCommand(page, 'MAPoRL: Start Training');
  const frame = webviewFrame(page);
  const runs = join(ws, 'runs');
  const newRun = () => readdirSync(runs).find((n) => n.startsWith('e2e-exp-'));
  await until(
    'a first training step on the dashboard',
    async () => {
      const name = newRun();
      const events =
        name && existsSync(join(runs, name, 'events.jsonl')) ? readFileSync(join(runs, name, 'events.jsonl'), 'utf8') : '';
      if (/"status":"failed"/.test(events))
        throw new Error(`the engine failed: ${/"message":"([^"]*)"/.exec(events)?.[1] ?? 'see the log'}`);
      return (await dashboardStep(page)) >= 1;
    },
    180_000,
    1000,
  ).catch(async (e) => {
    const name = newRun();
    const log =
      name && existsSync(join(runs, '.maporl', `${name}.log`))
        ? readFileSync(join(runs, '.maporl', `${name}.log`), 'utf8').slice(-3000)
        : '(no engine log)';
    throw new Error(`${(e as Error).message}\n--- engine log ---\n${log}`);
  });
  await frame.locator('article.discussion').first().waitFor({ state: 'visible', timeout: 60_000 });
  log('Start Training: the dashboard shows a curve point and a discussion');
  await runCommand(page, 'MAPoRL: Stop Training');
  const runDir = await until(
    'the stopped run',
    async () => {
      for (const d of readdirSync(runs).filter((n) => n.startsWith('e2e-exp-'))) {
        const events = readFileSync(join(runs, d, 'events.jsonl'), 'utf8');
        if (/"status":"stopped"/.test(events)) return join(runs, d);
      }
      return null;
    },
    120_000,
    500,
  );
  if (!existsSync(join(runDir, 'checkpoints')) || readdirSync(join(runDir, 'checkpoints')).length === 0)
    throw new Error(`${runDir} stopped without a checkpoint`);
  await until(
    'the Runs view to show the run stopped',
    async () => /stopped/.test((await treeRow(page, 'e2e-exp-').textContent()) ?? ''),
    20_000,
  );
  log('Stop Training: the run stopped with a checkpoint (resumable)');
  const end = await resumeAndStop(page, runDir);
  await evaluateCheckpoint(page, basename(runDir));
  return { name: basename(runDir), end };
}

/** Evaluate Checkpoint… on the run's latest checkpoint and its test set: the job ends well and its table reaches the engine log. */
async function evaluateCheckpoint(page: Page, run: string): Promise<void> {
  await runCommand(page, 'MAPoRL: Evaluate Checkpoint…');
  await filterQuickPick(page, run); // other runs' checkpoints (the compare e2e) can push this row below the fold
  await pickQuickItem(page, `${run} · step`); // newest first
  await pickQuickItem(page, 'data/e2e-exp-test.jsonl');
  const done = page
    .locator('.notifications-toasts .notification-list-item-message', {
      hasText: /job eval step-\d+ .*Results are in the engine log/,
    })
    .first();
  const failed = page.locator('.notifications-toasts .notification-list-item-message', { hasText: /job eval step-\d+/ }).first();
  await until(
    'the evaluation job to end',
    async () => {
      if (await done.isVisible()) return true;
      const text = (await failed.isVisible()) ? await failed.textContent() : null;
      if (text && !/Results are in the engine log/.test(text)) throw new Error(`Evaluate Checkpoint failed: ${text}`);
      return null;
    },
    120_000,
    500,
  );
  // The log channel was shown when the job started: the table's header line is in it.
  const panelText = async () =>
    (await page.locator('.part.panel .view-lines').allTextContents()).join('\n').replace(/\u00a0/g, ' ');
  await until(
    'the evaluation table in the engine log',
    async () => (/\[eval step-\d+\]\s+turn\s+majority\s+mean agent/.test(await panelText()) ? true : null),
    20_000,
    500,
  ).catch(async (e) => {
    throw new Error(`${(e as Error).message}; the panel shows: ${(await panelText()).slice(-600)}`);
  });
  log(`Evaluate Checkpoint…: ${run}'s latest checkpoint on data/e2e-exp-test.jsonl; the table is in the engine log`);
}

/** Resume Training continues the stopped run in its directory (new steps after the old ones); Stop ends it again. */
async function resumeAndStop(page: Page, runDir: string): Promise<string> {
  const events = () =>
    readFileSync(join(runDir, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; status?: string; step?: number });
  const stoppedAt = events().length;
  const lastStep = Math.max(
    0,
    ...events()
      .filter((e) => e.type === 'metrics')
      .map((e) => e.step ?? 0),
  );
  await runCommand(page, 'MAPoRL: Resume Training');
  // With another resumable run (fixture-run has checkpoints) the command asks which run to resume.
  const choice = page.locator('.quick-input-widget .monaco-list-row', { hasText: basename(runDir) }).first();
  if (
    await choice.waitFor({ state: 'visible', timeout: 5000 }).then(
      () => true,
      () => false,
    )
  )
    await choice.click();
  await until(
    'the resumed run to train past its last step',
    async () => {
      const after = events().slice(stoppedAt);
      if (after.some((e) => e.status === 'failed'))
        throw new Error(`the resumed run failed: ${JSON.stringify(after.find((e) => e.status === 'failed'))}`);
      return after.some((e) => e.type === 'metrics' && (e.step ?? 0) > lastStep) ? true : null;
    },
    180_000,
    1000,
  );
  log(`Resume Training: ${basename(runDir)} continued past step ${lastStep} in the same directory`);
  await runCommand(page, 'MAPoRL: Stop Training');
  // The run has iterations enough to be stopped (trainAndStop); a finished end is still accepted, as long
  // as the Runs view says which (the first Stop above is the stop under test).
  const end = await until(
    'the resumed run to stop again (or finish)',
    async () =>
      events()
        .slice(stoppedAt)
        .find((e) => e.status === 'stopped' || e.status === 'finished')?.status ?? null,
    120_000,
    500,
  );
  await until(
    `the Runs view to show the run ${end}`,
    async () => new RegExp(end).test((await treeRow(page, basename(runDir)).textContent()) ?? ''),
    20_000,
  );
  log(`Stop Training: the resumed run ${end === 'stopped' ? 'stopped again' : 'finished before the stop landed'}`);
  return end;
}

void main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
