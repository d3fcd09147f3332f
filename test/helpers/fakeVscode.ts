// A stand-in for the `vscode` module, enough to activate the extension in a plain node test: every
// name resolves (a callable, constructible stub that answers any property with another stub), and
// the parts a test steers are real: workspace trust and folders, quick picks (the first item),
// dialogs, commands (registered and executed), webview panels (their message handlers captured),
// Uri. `installFakeVscode` makes `require('vscode')` return it.
import * as fs from 'node:fs';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** A value that is any function, class or object: every property is another stub. */
export function stub(name: string, overrides: Record<PropertyKey, unknown> = {}): Any {
  const children = new Map<PropertyKey, unknown>();
  const getters = new Map<PropertyKey, () => unknown>();
  for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(overrides))) {
    if (d.get) getters.set(k, d.get.bind(overrides));
    else children.set(k, d.value);
  }
  const target = function stubbed() {
    /* anything */
  } as Any;
  return new Proxy(target, {
    get(t, prop) {
      if (getters.has(prop)) return getters.get(prop)!();
      if (children.has(prop)) return children.get(prop);
      if (prop === 'then') return undefined; // not a promise
      if (prop === 'prototype') return t.prototype;
      if (prop === Symbol.toPrimitive) return () => `[${name}]`;
      if (prop === Symbol.iterator)
        return function* none() {
          /* empty */
        };
      if (prop === 'length') return 0;
      if (prop === 'dispose') return () => undefined;
      const child = stub(`${name}.${String(prop)}`);
      children.set(prop, child);
      return child;
    },
    set(_t, prop, value) {
      children.set(prop, value);
      return true;
    },
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`),
  });
}

/** vscode.Uri for file paths: a class, so that `instanceof vscode.Uri` works. */
export class Uri {
  readonly scheme = 'file';
  private constructor(readonly fsPath: string) {}
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `file://${this.fsPath}`;
  }
  with(change: { path?: string }): Uri {
    return new Uri(change.path ?? this.fsPath);
  }
  static file(p: string): Uri {
    return new Uri(p);
  }
  static joinPath(u: Uri, ...parts: string[]): Uri {
    return new Uri(path.join(u.fsPath, ...parts));
  }
  static parse(s: string): Uri {
    return new Uri(s.replace(/^file:\/\//, ''));
  }
}
const file = (p: string): Uri => Uri.file(p);

export interface FakeState {
  trusted: boolean;
  folders: string[];
  commands: Map<string, (...args: unknown[]) => unknown>;
  /** Handlers of messages from every webview panel created so far. */
  messageHandlers: ((m: unknown) => unknown)[];
  /** What `showOpenDialog` and `findFiles` answer (findFiles: those matching the glob's extension). */
  files: Uri[];
  warnings: string[];
}

export function fakeVscode(state: FakeState): Any {
  const disposable = { dispose: () => undefined };
  const event = () => disposable;
  const webview = () =>
    stub('webview', {
      onDidReceiveMessage: (h: (m: unknown) => unknown) => {
        state.messageHandlers.push(h);
        return disposable;
      },
      asWebviewUri: (u: Uri) => u,
      cspSource: 'vscode-resource:',
      postMessage: async () => true,
    });
  const panel = () =>
    stub('panel', { webview: webview(), onDidDispose: event, onDidChangeViewState: event, visible: true, title: 'panel' });
  const workspace = stub('workspace', {
    get isTrusted() {
      return state.trusted;
    },
    get workspaceFolders() {
      return state.folders.map((f, index) => ({ uri: file(f), name: path.basename(f), index }));
    },
    getConfiguration: () => stub('configuration', { get: () => undefined }),
    getWorkspaceFolder: (u: Uri) =>
      state.folders.filter((f) => u.fsPath.startsWith(f)).map((f, index) => ({ uri: file(f), name: path.basename(f), index }))[0],
    findFiles: async (glob: string) => state.files.filter((f) => f.fsPath.endsWith(String(glob).replace(/^.*\*/, ''))),
    textDocuments: [],
    asRelativePath: (u: Uri | string) => (typeof u === 'string' ? u : u.fsPath),
    openTextDocument: async (u: Uri) => stub('document', { uri: u, isDirty: false, getText: () => '' }),
    onDidChangeConfiguration: event,
    onDidChangeWorkspaceFolders: event,
    onDidGrantWorkspaceTrust: event,
    onDidSaveTextDocument: event,
    onDidChangeTextDocument: event,
    onDidCloseTextDocument: event,
    onDidOpenTextDocument: event,
    fs: stub('workspace.fs', {
      readFile: async (u: Uri) => fs.readFileSync(u.fsPath),
      writeFile: async (u: Uri, b: Uint8Array) => fs.writeFileSync(u.fsPath, b),
      stat: async (u: Uri) => fs.statSync(u.fsPath),
      createDirectory: async (u: Uri) => void fs.mkdirSync(u.fsPath, { recursive: true }),
    }),
    createFileSystemWatcher: () => stub('watcher', { onDidChange: event, onDidCreate: event, onDidDelete: event }),
  });
  const window = stub('window', {
    showQuickPick: async (items: unknown) => {
      const list = (await items) as unknown[];
      return Array.isArray(list) ? list[0] : undefined;
    },
    showWarningMessage: async (m: string) => {
      state.warnings.push(m);
      return undefined;
    },
    showInformationMessage: async () => undefined,
    showErrorMessage: async () => undefined,
    showInputBox: async (o?: { value?: string }) => o?.value, // accepts the default
    showOpenDialog: async () => state.files,
    withProgress: async (_o: unknown, task: (p: unknown, t: unknown) => unknown) =>
      task({ report: () => undefined }, { onCancellationRequested: event, isCancellationRequested: false }),
    createWebviewPanel: () => panel(),
    createOutputChannel: () =>
      stub('log', {
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
        appendLine: () => undefined,
        show: () => undefined,
      }),
    activeTextEditor: undefined,
    onDidChangeActiveTextEditor: event,
  });
  const commands = stub('commands', {
    registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
      state.commands.set(id, fn);
      return disposable;
    },
    executeCommand: async (id: string, ...args: unknown[]) => state.commands.get(id)?.(...args),
  });
  const given: Record<string, unknown> = {
    workspace,
    window,
    commands,
    Uri,
    Disposable: class {
      static from() {
        return disposable;
      }
      dispose() {
        /* nothing */
      }
    },
  };
  // A plain object with every name the extension uses as an own property: compiled `import * as
  // vscode` copies the module's own properties, so a name missing here would be undefined there.
  return Object.fromEntries(usedNames().map((n) => [n, n in given ? given[n] : stub(n)]));
}

/** Every `vscode.NAME` the extension's sources mention. */
function usedNames(): string[] {
  const names = new Set(['workspace', 'window', 'commands', 'Uri', 'Disposable']);
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts'))
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/\bvscode\.([A-Za-z_$][\w$]*)/g)) names.add(m[1]);
    }
  };
  walk(path.join(__dirname, '..', '..', 'src', 'extension'));
  return [...names];
}

/** Makes `require('vscode')` (the extension's compiled imports) return `api`. */
export function installFakeVscode(api: unknown): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as Any;
  const fakePath = path.join(__dirname, '__fake_vscode__.js');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function resolveVscode(request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fakePath : resolve.call(this, request, ...rest);
  };
  require.cache[fakePath] = { id: fakePath, filename: fakePath, loaded: true, exports: api } as Any;
}
