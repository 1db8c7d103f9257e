// Lint: TypeScript's recommended rules everywhere, and core's purity: nothing runtime-specific
// may enter packages/core/src (Node code lives only under src/node; tests may use Node).
import tseslint from 'typescript-eslint';

const runtimeImports = {
  paths: ['@vesper/worker', '@vesper/browser', '@vesper/edge'].map((name) => ({ name, message: 'core imports no other Vesper package' })),
  patterns: [
    { group: ['node:*'], message: 'core is portable: Node code goes in packages/core/src/node' },
    { group: ['cloudflare:*'], message: 'core is portable: workerd code goes in packages/edge' },
    { group: ['idb', 'idb/*'], message: 'core is portable: IndexedDB code goes in packages/browser' },
    { group: ['comlink', 'comlink/*'], message: 'core is portable: comlink belongs to packages/worker' },
    { group: ['fs', 'path', 'os', 'crypto', 'worker_threads', 'child_process'], message: 'core is portable: no Node built-ins' },
  ],
};

const runtimeGlobals = [
  'window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'indexedDB', 'location',
  'self', 'postMessage', 'importScripts', 'caches', 'BroadcastChannel', 'Worker', 'fetch',
  'process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'setImmediate',
].map((name) => ({ name, message: `core is portable: ${name} is runtime-specific` }));

// Package dependency direction: core ← worker ← browser ← demo, core ← edge.
const layering = [
  { files: ['packages/core/**/*.ts'], forbid: ['@vesper/worker', '@vesper/browser', '@vesper/edge'] },
  { files: ['packages/worker/**/*.ts'], forbid: ['@vesper/browser', '@vesper/edge'] },
  { files: ['packages/browser/**/*.ts'], forbid: ['@vesper/edge'] },
  { files: ['packages/edge/**/*.ts'], forbid: ['@vesper/worker', '@vesper/browser'] },
].map(({ files, forbid }) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { paths: forbid.map((name) => ({ name, message: 'package dependency direction: core ← worker ← browser ← demo, core ← edge' })) }],
  },
}));

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.wrangler/**', '**/build/**', '**/*.wasm'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...layering,
  {
    files: ['packages/core/src/**/*.ts'],
    ignores: ['packages/core/src/node/**', 'packages/core/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', runtimeImports],
      'no-restricted-globals': ['error', ...runtimeGlobals],
    },
  },
);
