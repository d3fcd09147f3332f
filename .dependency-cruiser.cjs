// Import boundaries of docs/design.md ("Layers": data flows top to bottom, nothing imports upward),
// checked by `npm run lint` (depcruise). Type-only imports count: a type is coupling too.
//
// Engine layers, top to bottom, as docs/design.md lists them. A layer may import the layers below it
// (and itself), never one above. A new folder under src/engine must be placed here and in design.md
// (the `engine-layer-unplaced` rules say so); leaf utilities go at the bottom.
const ENGINE_LAYERS = [
  'sweep',
  'compare',
  'maporl',
  'sft',
  'annotations',
  'tasks',
  'generate',
  'prompts',
  'nn',
  'io',
  'runtime',
  'graph',
  'core',
];

const VSCODE = '^(vscode$|node_modules/@types/vscode/)';

const layerRules = ENGINE_LAYERS.slice(1).map((layer, i) => ({
  name: `engine-layer-${layer}`,
  comment: `src/engine/${layer} may import only the layers below it (${ENGINE_LAYERS.slice(i + 2).join(', ') || 'none'}), not ${ENGINE_LAYERS.slice(0, i + 1).join(', ')} (docs/design.md, Layers)`,
  severity: 'error',
  from: { path: `^src/engine/${layer}/` },
  to: { path: `^src/engine/(${ENGINE_LAYERS.slice(0, i + 1).join('|')})/` },
}));

const placed = `^src/engine/(${ENGINE_LAYERS.join('|')})/`;

// MAPoRL's rooms (src/engine/maporl), top to bottom as docs/design.md lists them ("The engine's
// rooms"); config.ts lies below them all and imports none. A room imports the rooms below it, never
// one above. From outside maporl (the CLI, compare, sweep, the host) only the public entries are
// imported: config.ts and a room's index.ts; the same for the compare layer's index.ts.
const MAPORL_ROOMS = ['train', 'run', 'verifier', 'ppo', 'reward', 'base', 'discussion'];
const MAPORL = '^src/engine/maporl/';
const roomRules = MAPORL_ROOMS.slice(1).map((room, i) => ({
  name: `maporl-room-${room}`,
  comment: `src/engine/maporl/${room} may import only the rooms below it (${MAPORL_ROOMS.slice(i + 2).join(', ') || 'none'}) and config.ts, not ${MAPORL_ROOMS.slice(0, i + 1).join(', ')} (docs/design.md, The engine's rooms)`,
  severity: 'error',
  from: { path: `${MAPORL}${room}/` },
  to: { path: `${MAPORL}(${MAPORL_ROOMS.slice(0, i + 1).join('|')})/` },
}));
const maporlPlaced = `${MAPORL}((${MAPORL_ROOMS.join('|')})/|config\\.ts$)`;

// Host layers (src/extension), top to bottom as docs/design.md lists them ("The extension host's
// layers"). A module may import its own layer and the layers below, never one above; inside a layer,
// folders may import each other but never in a cycle (`host-no-folder-cycle`). Entries ending in `/`
// are folders, the others single files of src/extension.
const HOST_LAYERS = [
  { name: 'wiring', members: ['extension.ts'] },
  { name: 'commands', members: ['commands/'] },
  {
    name: 'panels and views',
    members: ['dashboard/', 'compare/', 'sweeps/', 'annotations/', 'config/', 'views/', 'statusBar.ts'],
  },
  { name: 'jobs', members: ['jobs/'] },
  { name: 'run data', members: ['runData/', 'templates/'] },
  {
    name: 'host base',
    members: ['webview/', 'security/', 'json/', 'util/', 'settings.ts', 'experiments.ts', 'commandIds.ts'],
  },
];

const hostPath = (members) =>
  `^src/extension/(${members.map((m) => (m.endsWith('/') ? m : `${m.replace('.', '\\.')}$`)).join('|')})`;
const hostRules = HOST_LAYERS.slice(1).map((layer, i) => {
  const above = HOST_LAYERS.slice(0, i + 1);
  return {
    name: `host-layer-${layer.name.replace(/ /g, '-')}`,
    comment: `src/extension ${layer.name} (${layer.members.join(', ')}) may import only the layers below it, not ${above.map((l) => l.name).join(', ')} (docs/design.md, The extension host's layers)`,
    severity: 'error',
    from: { path: hostPath(layer.members) },
    to: { path: hostPath(above.flatMap((l) => l.members)) },
  };
});
const hostPlaced = hostPath(HOST_LAYERS.flatMap((l) => l.members));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'engine-layer-unplaced',
      comment: 'every module under src/engine belongs to a layer: add its folder to ENGINE_LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/engine/', pathNot: placed },
      to: {},
    },
    {
      name: 'engine-layer-unplaced-target',
      comment: 'every module under src/engine belongs to a layer: add its folder to ENGINE_LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: {},
      to: { path: '^src/engine/', pathNot: placed },
    },
    ...roomRules,
    {
      name: 'maporl-room-unplaced',
      comment:
        'every module under src/engine/maporl belongs to a room: add its folder to MAPORL_ROOMS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: MAPORL, pathNot: maporlPlaced },
      to: {},
    },
    {
      name: 'maporl-config-below-rooms',
      comment: "src/engine/maporl/config.ts is every room's vocabulary: it imports no room",
      severity: 'error',
      from: { path: `${MAPORL}config\\.ts$` },
      to: { path: `${MAPORL}[^/]+/` },
    },
    {
      name: 'maporl-public-entries',
      comment:
        "outside src/engine/maporl, import only its public entries: config.ts or a room's index.ts (what is not exported there is the room's own)",
      severity: 'error',
      from: { path: '^src/', pathNot: MAPORL },
      to: { path: MAPORL, pathNot: `${MAPORL}(config|[^/]+/index)\\.ts$` },
    },
    {
      name: 'compare-public-entry',
      comment: 'outside src/engine/compare, import only its public entry, src/engine/compare/index.ts',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/engine/compare/' },
      to: { path: '^src/engine/compare/', pathNot: '^src/engine/compare/index\\.ts$' },
    },
    ...hostRules,
    {
      name: 'host-layer-unplaced',
      comment: 'every module under src/extension belongs to a host layer: add it to HOST_LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/extension/', pathNot: hostPlaced },
      to: {},
    },
    {
      name: 'host-layer-unplaced-target',
      comment: 'every module under src/extension belongs to a host layer: add it to HOST_LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: {},
      to: { path: '^src/extension/', pathNot: hostPlaced },
    },
    {
      name: 'host-no-folder-cycle',
      comment:
        'two folders of src/extension or webview/ that import each other are one room: merge them or move the shared part below both',
      severity: 'error',
      scope: 'folder',
      from: { path: '^(src/extension|webview)/' },
      to: { circular: true },
    },
    {
      name: 'engine-not-to-host',
      comment:
        'the engine never imports vscode, the extension, the CLI or webview code (it runs in a child process and in the CLI)',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: [VSCODE, '^src/(extension|cli)/', '^webview/'] },
    },
    {
      name: 'cli-not-to-extension',
      comment: 'the CLI runs without VS Code: no vscode, no extension code, no webview code',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: [VSCODE, '^src/extension/', '^webview/'] },
    },
    {
      name: 'protocol-is-leaf',
      comment: 'src/protocol holds types and pure functions shared by engine, host and webviews: it imports nothing from them',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { path: [VSCODE, '^src/(engine|extension|cli)/', '^webview/'] },
    },
    {
      name: 'protocol-no-node',
      comment: 'src/protocol is bundled into the webviews (browser): no node built-ins',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'webview-only-webview-and-protocol',
      comment:
        'webview code talks to the host only through protocol messages: it imports webview/**, src/protocol/** and npm packages, never host code',
      severity: 'error',
      from: { path: '^webview/' },
      to: { pathNot: '^(webview/|src/protocol/|node_modules/)' },
    },
    {
      name: 'webview-apps-apart',
      comment:
        'a page (webview/dashboard, compare, transcripts, sweep) imports its own folder, webview/shared and src/protocol, never another page: what two pages need goes to webview/shared',
      severity: 'error',
      from: { path: '^webview/([^/]+)/', pathNot: '^webview/shared/' },
      to: { path: '^webview/', pathNot: ['^webview/$1/', '^webview/shared/'] },
    },
    {
      name: 'webview-shared-is-a-kit',
      comment: 'webview/shared (DOM builder, formatting, theme, the VS Code handle) serves every page and imports none of them',
      severity: 'error',
      from: { path: '^webview/shared/' },
      to: { path: '^webview/', pathNot: '^webview/shared/' },
    },
    {
      name: 'webview-no-node',
      comment: 'webview code runs in the browser: no node built-ins',
      severity: 'error',
      from: { path: '^webview/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'webview-no-vscode',
      comment: 'webview code runs in the browser: the vscode module exists only in the extension host',
      severity: 'error',
      from: { path: '^webview/' },
      to: { path: VSCODE },
    },
    {
      name: 'ort-only-in-runtime',
      comment: 'onnxruntime-node is used through src/engine/runtime only (sessions, execution providers, tensors)',
      severity: 'error',
      from: { path: '^(src|webview)/', pathNot: '^src/engine/runtime/' },
      to: { path: '^node_modules/onnxruntime-(node|common)/' },
    },
    {
      name: 'sweep-no-ort',
      comment: 'sweeps run without ONNX Runtime (docs/design.md): nothing src/engine/sweep imports may reach src/engine/runtime',
      severity: 'error',
      from: { path: '^src/engine/sweep/' },
      to: { path: '^src/engine/runtime/', reachable: true },
    },
    {
      name: 'extension-no-ort',
      comment:
        'the extension host never loads ONNX Runtime (design.md: engine work runs in a child process): nothing src/extension imports may reach src/engine/runtime',
      severity: 'error',
      from: { path: '^src/extension/' },
      to: { path: '^src/engine/runtime/', reachable: true },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles in src/ and webview/',
      severity: 'error',
      from: { path: '^(src|webview)/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that does not resolve to a file or an installed package',
      severity: 'error',
      from: { path: '^(src|webview)/' },
      to: { couldNotResolve: true, pathNot: '^vscode$' },
    },
  ],
  options: {
    // `depcruise src webview`: only the product code; tests and benches may import any layer.
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|out)/' },
    // Type-only imports count as dependencies (pre-compilation), as tsc sees them.
    tsPreCompilationDeps: true,
    // Resolution as tsx and esbuild do it: extensionless relative imports, index.ts folders, no path aliases.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.cjs', '.mjs', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
