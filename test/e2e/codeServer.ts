// A real VS Code for the end-to-end tests without internet (docs/e2e.md): code-server 4.100.3 installed
// in .e2e/ by scripts/e2e-setup.sh, a fresh profile per test run, the extension installed from its .vsix,
// and Debian's chromium driven by playwright-core.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CODE_SERVER = join(process.cwd(), '.e2e', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = '/usr/bin/chromium';

export interface Profile {
  root: string;
  data: string;
  extensions: string;
  config: string;
  env: NodeJS.ProcessEnv;
}

/** Folders of one test run under `root`; the user settings silence walkthroughs, telemetry and updates. */
export function makeProfile(root: string, settings: Record<string, unknown>): Profile {
  const p = { root, data: join(root, 'data'), extensions: join(root, 'extensions'), config: join(root, 'config.yaml') };
  for (const d of [
    p.data,
    p.extensions,
    join(root, 'xdg-config'),
    join(root, 'xdg-data'),
    join(root, 'tmp'),
    join(p.data, 'User'),
  ])
    mkdirSync(d, { recursive: true });
  writeFileSync(p.config, 'auth: none\n');
  writeUserSettings(p, settings);
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: join(root, 'xdg-config'),
    XDG_DATA_HOME: join(root, 'xdg-data'),
    TMPDIR: join(root, 'tmp'),
  };
  return { ...p, env };
}

export const BASE_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'workbench.colorTheme': 'Default Light Modern',
  'window.commandCenter': false,
  'chat.commandCenter.enabled': false,
  'workbench.editor.enablePreview': false,
};

export function writeUserSettings(p: Pick<Profile, 'data'>, settings: Record<string, unknown>): void {
  writeFileSync(join(p.data, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

export function installExtension(p: Profile, vsix: string): void {
  const r = spawnSync(CODE_SERVER, ['--install-extension', vsix, '--extensions-dir', p.extensions, '--user-data-dir', p.data], {
    env: p.env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`code-server --install-extension failed:\n${r.stdout}\n${r.stderr}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Server {
  url: string;
  process: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

/** `workspaceTrust`: leave VS Code's workspace trust on (a folder not yet trusted opens in Restricted Mode). */
export async function startCodeServer(
  p: Profile,
  workspace: string,
  options: { workspaceTrust?: boolean } = {},
): Promise<Server> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(
    CODE_SERVER,
    [
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--user-data-dir',
      p.data,
      '--extensions-dir',
      p.extensions,
      '--config',
      p.config,
      workspace,
    ],
    { env: p.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => output.push(String(d)));
  child.stderr!.on('data', (d) => output.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${output.join('')}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer /healthz in 60 s:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* gone */
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  return { url, process: child, output, stop };
}

export async function launchBrowser(p: Profile): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(join(p.root, 'chromium'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    env: p.env as Record<string, string>,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** Last lines of the extension host's log and of the extension's own log channel (on failure). */
export function extensionHostLog(p: Profile): string {
  const logs = join(p.data, 'logs');
  if (!existsSync(logs)) return '(no logs folder)';
  const files = (readdirSync(logs, { recursive: true }) as string[]).filter((f) =>
    /remoteexthost\.log$|exthost\.log$|MAPoRL\.log$/.test(f),
  );
  return (
    files.map((f) => `--- ${f}\n${readFileSync(join(logs, f), 'utf8').split('\n').slice(-60).join('\n')}`).join('\n') ||
    '(no extension host log found)'
  );
}
