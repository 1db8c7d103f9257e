import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Node project: core's unit tests (beside the source) and the cross-package suites in test/.
// workerd runs from test/workerd/vitest.config.ts (its own pool); Chromium from test/browser.
export default defineConfig({
  test: {
    projects: [
      {
        // @vesper/* resolve to their sources in the repository (the "vesper-source" export condition)
        resolve: { conditions: ['vesper-source', ...defaultClientConditions] },
        // without 'module': an externalized dependency (the AWS SDK under wrangler) would resolve to an
        // ESM build Node cannot load (extensionless imports)
        ssr: { resolve: { conditions: ['vesper-source', ...defaultServerConditions.filter((c) => c !== 'module')] } },
        test: {
          name: 'node',
          include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/workerd/**', 'test/browser/**', 'test/consumers/**', 'test/demo/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
