/**
 * The engine worker's entry module (a dedicated module Worker that openDatabase starts):
 * `@vesper/worker`'s serveEngine over this package's IndexedDB/OPFS storage. Runs in the
 * worker, where OPFS sync access handles exist.
 */
import { serveEngine } from '@vesper/worker/serve';
import { openStorage } from './open-storage.ts';

serveEngine({ openStorage });
