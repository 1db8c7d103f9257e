/**
 * The consumer project (`npm run test:consumers`): packs the packages and installs them into
 * fresh projects under os.tmpdir(); see consumers.test.ts. One file, run serially.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'consumers',
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/consumers/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
