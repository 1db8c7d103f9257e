import { defineConfig } from 'vitest/config';

// Node project: core's unit tests (beside the source) and the cross-package suites in test/.
// workerd runs from test/workerd/vitest.config.ts (its own pool); Chromium from test/browser.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/workerd/**', 'test/browser/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
