/**
 * The Chromium test project: every test/browser/**\/*.test.ts runs in the system Chromium
 * (Vitest browser mode, Playwright provider, headless, served on 127.0.0.1), so IndexedDB,
 * OPFS sync access handles, module workers and WASM SIMD are the real ones. Without
 * /usr/bin/chromium the run is skipped with a printed reason — never faked, never failed.
 * The host's VESPER_SEED reaches the randomized suites through `inject('vesperSeed')` (ours)
 * and a `process.env.VESPER_SEED` define (core's portable unit suites, run here as a smoke).
 * Suites that need a server start a local Vesper endpoint through the browser commands
 * `startVesperEndpoint` / `stopVesperEndpoint` / `restartVesperEndpoint` (vesper-endpoint.ts; started on first use only).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { restartVesperEndpoint, startVesperEndpoint, stopVesperEndpoint } from './vesper-endpoint.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`[test:browser] skipped: ${CHROMIUM} is absent (install Debian's chromium to run the Chromium suites)`);
}

/** Core's portable unit suites, run in Chromium too (cheap, and they prove core is portable). */
const CORE_SMOKE = [
  'packages/core/src/errors/*.test.ts',
  'packages/core/src/util/*.test.ts',
  'packages/core/src/storage/*.test.ts',
  'packages/core/src/adapters/*.test.ts',
  'packages/core/src/segments/*.test.ts',
  'packages/core/src/expr/*.test.ts',
  'packages/core/src/kernels/*.test.ts',
  'test/expr/property.test.ts',
];

export default defineConfig({
  root,
  // comlink/idb/arrow are pre-bundled up front: discovering them mid-run would reload the page
  optimizeDeps: { include: ['comlink', 'idb', 'apache-arrow'], exclude: ['@vesper/core', '@vesper/browser', '@vesper/worker'] },
  server: { host: '127.0.0.1' },
  // @vesper/* resolve to their sources (the "vesper-source" export condition): no build step
  resolve: { conditions: ['vesper-source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['vesper-source', ...defaultServerConditions] } },
  // core's randomized suites read process.env.VESPER_SEED; the page has no process
  define: { 'process.env.VESPER_SEED': process.env.VESPER_SEED === undefined ? 'undefined' : JSON.stringify(process.env.VESPER_SEED) },
  worker: { format: 'es' },
  test: {
    name: 'chromium',
    include: hasChromium ? ['test/browser/**/*.test.ts', ...CORE_SMOKE] : [],
    passWithNoTests: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    provide: { vesperSeed: process.env.VESPER_SEED ?? '' },
    browser: {
      enabled: hasChromium,
      headless: true,
      screenshotFailures: false,
      api: { host: '127.0.0.1' },
      provider: playwright({
        launchOptions: {
          executablePath: CHROMIUM,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
      commands: { startVesperEndpoint, stopVesperEndpoint, restartVesperEndpoint },
    },
  },
});
