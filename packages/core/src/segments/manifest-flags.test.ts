/**
 * Manifest feature flags as contracts (docs/format/manifest.md), through the code that reads
 * manifests: a reader flag this build does not know keeps the collection from opening; a writer
 * flag it does not know lets it read but never commit (flush keeps the rows in the WAL, nothing
 * acknowledged is lost); garbage collection parses manifests through the same check, so a newer
 * manifest it cannot read makes it delete nothing. Plus parseManifest's own codes.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../adapters/memory-storage.ts';
import type { StorageSet } from '../adapters/storage-set.ts';
import { IdAllocator } from '../catalog/id-allocator.ts';
import { Tso } from '../catalog/tso.ts';
import { VesperError } from '../errors/index.ts';
import { DataType } from '../schema/data-type.ts';
import { normalizeSchema } from '../schema/normalize.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { keys } from '../storage/keys.ts';
import { ManifestStore, parseManifest, type Manifest } from '../storage/manifest.ts';
import { attachMaintenance, collectGarbage, flush } from './segment-maintenance.ts';
import { SegmentManager } from './segment-manager.ts';
import { testCollection } from './test-collection.ts';

const schema = normalizeSchema({
  collection_name: 'flags',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: 2 },
  ],
});
const info = testCollection(schema, { id: 9 });
const enc = new TextEncoder();

async function open(storage: StorageSet, tso: Tso): Promise<SegmentManager> {
  const m = await SegmentManager.open({ storage, tso, ids: new IdAllocator(storage.meta, 'ids', 16) }, info);
  attachMaintenance(m);
  return m;
}

async function insert(m: SegmentManager, ids: number[]): Promise<void> {
  const batch = rowsToBatch(schema, ids.map((id) => ({ id, v: [id, 1] })));
  await m.write(0, (ts) => ({ type: 'insert', collectionId: info.id, partitionId: 100, ts, upsert: false, batch }), 100);
}

function liveRows(m: SegmentManager): number {
  return m.segments().reduce((n, s) => n + s.visibility(m.deps.tso.current()).toIndices().length, 0);
}

/** Commits, as a newer writer would, the successor of the newest manifest with `extra` keys. */
async function commitNewer(storage: StorageSet, extra: Partial<Manifest>): Promise<void> {
  const latest = await new ManifestStore(storage.objects).latest(info.id);
  const next = { ...latest, ...extra, version: latest.version + 1 };
  await storage.objects.put(keys.manifest(info.id, next.version), enc.encode(JSON.stringify(next)), { ifAbsent: true });
}

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (!(e instanceof VesperError)) throw e;
    return e.error;
  }
};

/** A fresh store with one collection whose rows `ids` are flushed into a sealed segment. */
async function flushedCollection(ids: number[]) {
  const storage = createMemoryStorage();
  const tso = await Tso.open(storage.meta);
  const m = await open(storage, tso);
  await insert(m, ids);
  await flush(m);
  return { storage, tso, m };
}

describe('manifest feature flags', () => {
  it('an unknown reader flag keeps the collection from opening: FORMAT_UNSUPPORTED', async () => {
    const { storage, tso, m } = await flushedCollection([1, 2, 3]);
    await commitNewer(storage, { readerFlags: 0x10 });
    expect(await codeOf(open(storage, tso))).toBe('FORMAT_UNSUPPORTED');
    // the already-open manager does not move to a manifest it cannot read
    expect(await codeOf(m.refreshSealed())).toBe('FORMAT_UNSUPPORTED');
    expect(liveRows(m)).toBe(3);
  });

  it('an unknown writer flag: the collection reads, but nothing commits and no acknowledged row is lost', async () => {
    const storage = createMemoryStorage();
    const tso = await Tso.open(storage.meta);
    const first = await open(storage, tso);
    await insert(first, [1, 2]);
    await flush(first);
    await commitNewer(storage, { writerFlags: 0x4 });
    const m = await open(storage, tso);
    expect(liveRows(m)).toBe(2);
    await insert(m, [3, 4, 5]);
    const before = await new ManifestStore(storage.objects).versions(info.id);
    expect(await codeOf(flush(m))).toBe('FORMAT_UNSUPPORTED');
    expect(await new ManifestStore(storage.objects).versions(info.id)).toEqual(before);
    expect(liveRows(m)).toBe(5);
    // a restart replays the WAL: the rows acknowledged before the refused flush are all there
    const again = await open(storage, tso);
    expect(liveRows(again)).toBe(5);
  });

  it('garbage collection reads manifests through the format check and deletes nothing it cannot read', async () => {
    const { storage, m } = await flushedCollection([1, 2, 3]);
    // a newer writer commits a manifest naming a file kind this build has never heard of
    await storage.objects.put(`c${info.id}/s999/future.bin`, new Uint8Array([1, 2, 3]));
    await commitNewer(storage, { readerFlags: 0x2, futureFiles: [`c${info.id}/s999/future.bin`] } as Partial<Manifest>);
    const files = (await storage.objects.list(`c${info.id}/`)).map((o) => o.key);
    expect(await codeOf(collectGarbage(m))).toBe('FORMAT_UNSUPPORTED');
    expect((await storage.objects.list(`c${info.id}/`)).map((o) => o.key)).toEqual(files);
  });

  it('parseManifest: not JSON or missing fields is FORMAT_CORRUPT; a newer format or unknown reader flag FORMAT_UNSUPPORTED', () => {
    const ok = { format: 1, version: 1, collectionId: 1, segments: [], checkpoints: {}, nextSeq: 1 };
    const parse = (v: unknown): string | undefined => {
      try {
        parseManifest(enc.encode(typeof v === 'string' ? v : JSON.stringify(v)), 'test');
        return undefined;
      } catch (e) {
        return (e as VesperError).error;
      }
    };
    expect(parse(ok)).toBeUndefined();
    expect(parse({ ...ok, readerFlags: 0, writerFlags: 0x80000000 })).toBeUndefined(); // reading ignores writer flags
    expect(parse('{"format": 1, "segm')).toBe('FORMAT_CORRUPT');
    expect(parse('null')).toBe('FORMAT_CORRUPT');
    expect(parse({ ...ok, version: '1' })).toBe('FORMAT_CORRUPT');
    expect(parse({ ...ok, segments: {} })).toBe('FORMAT_CORRUPT');
    for (const bad of [-1, 1.5, '1', 2 ** 32, null]) {
      expect(parse({ ...ok, readerFlags: bad }), `readerFlags ${String(bad)}`).toBe('FORMAT_CORRUPT');
      expect(parse({ ...ok, writerFlags: bad }), `writerFlags ${String(bad)}`).toBe('FORMAT_CORRUPT');
    }
    expect(parse({ ...ok, format: 2 })).toBe('FORMAT_UNSUPPORTED');
    expect(parse({ ...ok, readerFlags: 0x80000000 })).toBe('FORMAT_UNSUPPORTED');
  });

  it('ManifestStore.commit refuses a manifest with an unknown writer flag and writes nothing', async () => {
    const storage = createMemoryStorage();
    const ms = new ManifestStore(storage.objects);
    const next: Manifest = { format: 1, readerFlags: 0, writerFlags: 0x2, version: 1, collectionId: 3, segments: [], checkpoints: {}, nextSeq: 1 };
    expect(await codeOf(ms.commit(next))).toBe('FORMAT_UNSUPPORTED');
    expect(await ms.versions(3)).toEqual([]);
  });
});
