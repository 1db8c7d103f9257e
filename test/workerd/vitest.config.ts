/**
 * The workerd test project: every test/workerd/**\/*.test.ts runs inside workerd (the Workers
 * Vitest pool on miniflare), configured from the root wrangler.toml — the same main module,
 * compatibility date and module rules as the deployed Worker. The host's VESPER_SEED reaches
 * the randomized suites as a binding, because workerd has no host environment.
 */
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root,
  // @vesper/* resolve to their sources (the "vesper-source" export condition): no build step.
  // `workerd` as wrangler sets it, in both module graphs (the pool adds it to the client one
  // only): @vesper/core/kernels picks its workerd variant by that condition.
  resolve: { conditions: ['vesper-source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['vesper-source', 'workerd', ...defaultServerConditions] } },
  plugins: [
    cloudflareTest({
      wrangler: { configPath: `${root}/wrangler.toml` },
      miniflare: {
        // Small segments and query nodes: the suites exercise seals, fan-out and merges.
        bindings: { VESPER_SEED: process.env.VESPER_SEED ?? '', VESPER_LOCAL_DEV: 'true', VESPER_SEGMENT_MAX_ROWS: '150', VESPER_QUERY_NODE_MAX_BYTES: '16384', VESPER_BUILD_QUIET_MS: '0', VESPER_GC_GRACE_MS: '1500' },
      },
    }),
  ],
  test: {
    name: 'workerd',
    include: ['test/workerd/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
