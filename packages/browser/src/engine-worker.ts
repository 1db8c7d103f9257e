/**
 * The entry module of the browser's workers — one script for both roles, so an app ships and
 * the browser compiles one worker bundle:
 * - the engine worker openDatabase starts: `@vesper/worker`'s serveEngine over this package's
 *   IndexedDB/OPFS storage (OPFS sync access handles exist only in workers);
 * - the query workers the engine worker starts from this same script (nested dedicated
 *   workers): serveReader over the same object store, opened read-only, searching sealed
 *   segments in parallel (`queryWorkers` in openDatabase).
 * Each role answers only its own protocol's messages, so the other's listener stays idle.
 */
import { serveEngine, serveReader } from '@vesper/worker/serve';
import { openReadOnlyObjects, openStorage } from './open-storage.ts';

serveEngine({
  openStorage,
  spawnQueryWorker: (index) => new Worker(globalThis.location.href, { type: 'module', name: `vesper query worker ${index}` }),
});
serveReader({ openObjects: openReadOnlyObjects });
