/**
 * The demo's end-to-end tests (`npm run test:demo`, after `vite build`): Playwright drives the
 * system Chromium against the built demo served by `vite preview`, once with the in-browser
 * backend and once against the REST endpoint started in the test. Node-side only; the node
 * project of the root vitest.config.ts leaves test/demo alone.
 */
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['vesper-source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['vesper-source', ...defaultServerConditions.filter((c) => c !== 'module')] } },
  test: {
    include: ['test/demo/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // one Chromium at a time: the two flows share the machine's two cores
    fileParallelism: false,
  },
});
