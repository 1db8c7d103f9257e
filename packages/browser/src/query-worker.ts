/**
 * A query worker's entry (started by engine-worker.ts, one per `queryWorkers`):
 * `@vesper/worker`'s serveReader over the database's object store opened READ-ONLY. It
 * searches the sealed segments the engine worker assigns to it; the engine worker stays the
 * only writer and merges the partial results.
 */
import { serveReader } from '@vesper/worker/serve';
import { openReadOnlyObjects } from './open-storage.ts';

serveReader({ openObjects: openReadOnlyObjects });
