// package.json's contributions mirror the code: command ids and exact palette titles, settings keys and
// defaults, views, trust and the schema binding; engines.vscode no newer than the e2e VS Code (1.100).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  COMMAND_CATEGORY,
  COMMAND_TITLES,
  CommandId,
  EXPERIMENTS_VIEW_ID,
  JOB_COMMANDS,
  RUNS_VIEW_ID,
  SWEEPS_VIEW_ID,
  VIEW_CONTAINER_ID,
} from '../../src/extension/commandIds';
import { DEFAULT_SETTINGS, SETTINGS_SECTION, readSettings } from '../../src/extension/settings';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const c = pkg.contributes;

test('commands: the ids of the enum, the first seven palette titles unchanged, category MAPoRL', () => {
  const declared = Object.fromEntries(c.commands.map((x: { command: string; title: string }) => [x.command, x.title]));
  assert.deepEqual(declared, COMMAND_TITLES);
  for (const cmd of c.commands) assert.equal(cmd.category, COMMAND_CATEGORY);
  assert.deepEqual(
    [
      'New Experiment…',
      'Start Training',
      'Stop Training',
      'Resume Training',
      'Open Run Dashboard',
      'Evaluate Checkpoint…',
      'Show Engine Log',
    ].filter((t) => !Object.values(COMMAND_TITLES).includes(t)),
    [],
  );
  for (const menu of Object.values(c.menus) as { command: string }[][]) {
    for (const item of menu)
      if (item.command.startsWith('maporl.'))
        assert.ok((Object.values(CommandId) as string[]).includes(item.command), item.command);
  }
});

/** Settings flattened to their package.json keys: `annotation: {labels}` is `maporl.annotation.labels`. */
const flatDefaults = Object.entries(DEFAULT_SETTINGS).flatMap(([k, v]) =>
  typeof v === 'object' && !Array.isArray(v)
    ? Object.entries(v).map(([kk, vv]) => [`${k}.${kk}`, vv] as const)
    : [[k, v] as const],
);

test('settings: every key and default of Settings', () => {
  const props = c.configuration.properties;
  assert.deepEqual(Object.keys(props).sort(), flatDefaults.map(([k]) => `${SETTINGS_SECTION}.${k}`).sort());
  for (const [k, v] of flatDefaults) assert.deepEqual(props[`${SETTINGS_SECTION}.${k}`].default, v, k);
  assert.deepEqual(props['maporl.executionProvider'].enum, ['auto', 'cpu', 'webgpu', 'cuda']);
});

test('readSettings validates and clamps', () => {
  const s = readSettings(
    (k) =>
      (
        ({ runsFolder: '  ', executionProvider: 'tpu', threads: -3, dashboardRefreshMs: 10, stopTimeoutSeconds: 5.4 }) as Record<
          string,
          unknown
        >
      )[k],
    () => 'alice',
  );
  assert.deepEqual(s, {
    ...DEFAULT_SETTINGS,
    threads: 0,
    dashboardRefreshMs: 100,
    stopTimeoutSeconds: 5,
    annotation: { ...DEFAULT_SETTINGS.annotation, annotator: 'alice' },
  });
});

test('annotation settings: a label set of unique non-empty names, the annotator or the OS user', () => {
  const read = (labels: unknown, annotator: unknown) =>
    readSettings(
      (k) => (({ 'annotation.labels': labels, 'annotation.annotator': annotator }) as Record<string, unknown>)[k],
      () => 'os-user',
    ).annotation;
  assert.deepEqual(read([' a ', 'b', 'a', '', 3], ' Ann '), { labels: ['a', 'b'], annotator: 'Ann' });
  assert.deepEqual(read([], ''), { labels: [...DEFAULT_SETTINGS.annotation.labels], annotator: 'os-user' });
  assert.deepEqual(read('x', 7), { labels: [...DEFAULT_SETTINGS.annotation.labels], annotator: 'os-user' });
});

test('views, trust, schema binding and engine range', () => {
  assert.equal(c.viewsContainers.activitybar[0].id, VIEW_CONTAINER_ID);
  assert.equal(c.viewsContainers.activitybar[0].title, 'MAPoRL');
  assert.deepEqual(
    c.views[VIEW_CONTAINER_ID].map((v: { id: string; name: string }) => [v.id, v.name]),
    [
      [EXPERIMENTS_VIEW_ID, 'Experiments'],
      [RUNS_VIEW_ID, 'Runs'],
      [SWEEPS_VIEW_ID, 'Sweeps'],
    ],
  );
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  const trustedOnly = c.commands
    .filter((x: { enablement?: string }) => x.enablement === 'isWorkspaceTrusted')
    .map((x: { command: string }) => x.command);
  assert.deepEqual(
    trustedOnly.sort(),
    [...JOB_COMMANDS].sort(),
    'exactly the commands that start an engine process need a trusted workspace',
  );
  assert.deepEqual(c.jsonValidation, [
    { fileMatch: '*.maporl.json', url: './media/maporl.schema.json' },
    { fileMatch: '*.sweep.json', url: './media/sweep.schema.json' },
  ]);
  const [major, minor] = pkg.engines.vscode.replace(/^\^/, '').split('.').map(Number);
  assert.ok(major === 1 && minor <= 100, pkg.engines.vscode);
  assert.ok(!pkg.dependencies['code-server'] && !pkg.devDependencies['code-server'], 'code-server stays out of the package');
});
