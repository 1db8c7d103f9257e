/**
 * Vite config for the demo app (demo/). `@vesper/core` ships its WASM through an `exports`
 * entry that the app imports as a URL, so it is excluded from dependency pre-bundling (a
 * pre-bundled copy would lose the file next to it).
 */
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  root: 'demo',
  // relative asset URLs: the built demo works from any static host and any sub-path
  base: './',
  // the demo runs on the packages' sources (the "vesper-source" export condition): no build step
  resolve: { conditions: ['vesper-source', ...defaultClientConditions] },
  // apache-arrow is imported on demand (user files): pre-bundled up front, so opening the first
  // file in `npm start` does not make Vite optimize it mid-session and reload the page
  optimizeDeps: { include: ['apache-arrow'], exclude: ['@vesper/core', '@vesper/browser'] },
  server: { host: '127.0.0.1', port: 5173 },
  build: { outDir: '../dist/demo', emptyOutDir: true, target: 'es2022' },
});
