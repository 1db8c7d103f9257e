/**
 * Collection descriptions cached in the Worker isolate, so a search, query or get makes no
 * `describeCollection` round trip to the CatalogCoordinator when nothing changed. REST needs a
 * description to check input (vector dimensions, 1801) and to render rows (primary key, Int64
 * fields); those come from the schema, which changes only with addCollectionField (its schema
 * version). Every read answers the id (and schema version) of the collection it read (the
 * coordinator's current entry, taken in the same `begin` that starts the read): when it is not
 * the cached description's — the name was dropped and created again, renamed, an alias moved,
 * or a field was added — the description is fetched afresh
 * and the read runs again with it. A check that fails against a cached description is also
 * retried against a fresh one before the error is believed.
 */
import { VesperError } from '@vesper/core';
import { describe, schemaInfo, type EngineDescription, type SchemaInfo } from './schema-info.ts';
import type { RestCall } from './types.ts';

/** Descriptions kept per isolate (the oldest goes first). */
const MAX_ENTRIES = 256;
const cache = new Map<string, EngineDescription>();

/** What a read answers: its reply and the id of the collection the engine read (undefined: unknown). */
export interface DescribedRead<R> {
  readonly reply: R;
  readonly collectionId: string | undefined;
}

/** What a read's collection id is compared with: the id, and the schema version once the schema changed. */
function identity(desc: EngineDescription): string {
  return desc.schema_version ? `${desc.collectionID}.${desc.schema_version}` : desc.collectionID;
}

function remember(key: string, desc: EngineDescription): void {
  cache.delete(key);
  cache.set(key, desc);
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
}

/** Runs `read` with the collection's description, cached when it is still the collection's. */
export async function withDescription<R>(call: RestCall, name: string, read: (info: SchemaInfo) => Promise<DescribedRead<R>>): Promise<R> {
  const key = `${call.dbName}\u0000${name}`;
  const cached = cache.get(key);
  if (cached !== undefined) {
    try {
      const out = await read(schemaInfo(cached));
      if (out.collectionId === identity(cached)) return out.reply;
    } catch (e) {
      // an input error may come from a stale description: believe it once the description is fresh
      if (VesperError.wrap(e).kind !== 'input') throw e;
      const fresh = await describe(call.engine, name);
      remember(key, fresh);
      if (identity(fresh) === identity(cached)) throw e;
      return (await read(schemaInfo(fresh))).reply;
    }
  }
  const fresh = await describe(call.engine, name);
  remember(key, fresh);
  return (await read(schemaInfo(fresh))).reply;
}
