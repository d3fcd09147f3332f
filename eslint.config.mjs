// ESLint: typescript-eslint's recommended rules plus a few type-aware ones that catch real bugs
// (a promise nobody awaits, a promise passed where a callback's result is ignored). Formatting is
// Prettier's job; layer boundaries are dependency-cruiser's (.dependency-cruiser.cjs); unused
// locals and parameters are tsc's (tsconfig.json: noUnusedLocals, noUnusedParameters), so ESLint's copy of that rule is off.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'node_modules/**',
      'media/**',
      '.e2e/**',
      '.test-artifacts/**',
      'docs/**',
      'runs/**',
      'tmp/**',
    ],
  },
  {
    files: ['**/*.{ts,mjs,cjs,js}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': 'off',
      // `catch {}` / empty stubs are deliberate here; an empty block elsewhere is still reported.
      'no-empty': ['error', { allowEmptyCatch: true }],
      // `while (true)` loops that end by return/break are idiomatic in the engine.
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': ['error', { destructuring: 'all' }],
      'no-throw-literal': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    // Type-aware rules, TypeScript only (each file is checked with its own tsconfig: the root one,
    // or webview/tsconfig.json for the browser code).
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() return promises the runner tracks itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests require() a module to get the mutable CommonJS object they patch (node:fs,
    // node:child_process) or to load it after a fake `vscode` is installed.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-require-imports': [
        'error',
        { allow: ['^node:fs$', '^node:child_process$', '/src/extension/extension$'] },
      ],
    },
  },
  {
    // Node scripts (plain ESM/CJS JavaScript).
    files: ['scripts/**/*.{mjs,cjs,js}', 'test/**/*.cjs', '*.{mjs,cjs}'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
