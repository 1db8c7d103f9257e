/**
 * The engine worker's entry, which openDatabase starts as a module worker:
 * `@vesper/worker`'s serveEngine over this package's IndexedDB/OPFS storage (OPFS sync
 * access handles exist only in workers). It starts the query workers (`queryWorkers` in
 * openDatabase) from query-worker.ts, a nested module worker named by
 * `new URL('./query-worker.ts', import.meta.url)` — the one form Vite and webpack 5 both
 * follow and bundle (build-package.mjs turns `.ts` into `.js` in dist). Not
 * `location.href`: under a bundler that is a chunk that may not be a standalone module script.
 */
import { serveEngine } from '@vesper/worker/serve';
import { openStorage } from './open-storage.ts';

serveEngine({
  openStorage,
  spawnQueryWorker: (index) => new Worker(new URL('./query-worker.ts', import.meta.url), { type: 'module', name: `vesper query worker ${index}` }),
});
