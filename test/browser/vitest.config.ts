/**
 * The Chromium test project: every test/browser/**\/*.test.ts runs in the system Chromium
 * (Vitest browser mode, Playwright provider, headless, served on 127.0.0.1), so IndexedDB,
 * OPFS sync access handles, module workers and WASM SIMD are the real ones. Without
 * /usr/bin/chromium the run is skipped with a printed reason — never faked, never failed.
 * The host's VESPER_SEED reaches the randomized suites through `inject('vesperSeed')`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`[test:browser] skipped: ${CHROMIUM} is absent (install Debian's chromium to run the Chromium suites)`);
}

declare module 'vitest' {
  export interface ProvidedContext {
    vesperSeed: string;
  }
}

export default defineConfig({
  root,
  // comlink/idb/arrow are pre-bundled up front: discovering them mid-run would reload the page
  optimizeDeps: { include: ['comlink', 'idb', 'apache-arrow'], exclude: ['@vesper/core', '@vesper/browser', '@vesper/worker'] },
  server: { host: '127.0.0.1' },
  worker: { format: 'es' },
  test: {
    name: 'chromium',
    include: hasChromium ? ['test/browser/**/*.test.ts'] : [],
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
    },
  },
});
