/**
 * Sparse inverted indexes are index files (docs/format/sparse-index.md), in Node over memory
 * storage: a collection with a BM25 function (SPARSE_INVERTED_INDEX) and a user sparse field
 * (AUTOINDEX, IP) writes one file per sealed segment and field at flush, committed in the
 * manifest; a reopened database (in-process, then with reader workers) opens those files —
 * a damaged one fails the segment with FORMAT_CORRUPT, so no search rebuilds from the column
 * behind its back — and answers exactly as before, equal to a naive BM25 and a naive IP
 * evaluator; segments from before these files (no record) are searched from their columns
 * until the writer builds their files; dropIndex forgets the files (searches go on exactly),
 * createIndex builds new ones; compaction's segments get files and garbage collection keeps them.
 * Seed: VESPER_SEED (printed in the describe name).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { VesperClient, createMemoryStorage, getIndexFactory, interceptStorage, testSeed, type StorageSet } from '@vesper/core';
import { LocalReaderPool } from '@vesper/core/distributed';
import { ManifestStore, READER_SPARSE_INDEX_FILES, type Manifest } from '../../packages/core/src/storage/manifest.ts';
import { SparseInvertedIndex } from '../../packages/core/src/index/sparse-inverted-index.ts';
import { Random } from '../../packages/core/src/util/random.ts';
import { rejectsWithCode } from '../fixtures/open.ts';
import { compare, corpus, oracle, textHits, type Doc, type Scored, type TextDb } from './full-text-scenario.ts';

const seed = testSeed(process.env.VESPER_SEED);
const NAME = 'files';
const QUERIES = ['vector search', 'graph index latency', 'EDGE worker storage cache', 'nothing-matches-this'];
const SEAL = { maxRows: 90, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 1000, compactDeletedRatio: 0.05 };

/** A user sparse vector per document (SPLADE-like: a few weighted dimensions of 60). */
function userVector(id: number): Record<number, number> {
  const rng = new Random(seed * 7919 + id);
  const out: Record<number, number> = {};
  const m = 1 + Math.floor(rng.next() * 6);
  for (let i = 0; i < m; i++) out[Math.floor(rng.next() * 60)] = Math.fround(0.05 + rng.next() * 2);
  return out;
}

const USER_QUERIES: Record<number, number>[] = [{ 3: 1, 17: 0.5 }, { 0: 2, 59: 1, 30: 0.25 }, { 8: 1 }];

/** Naive IP: Σ q·v over shared dimensions (float32 values); a row sharing none is not a hit. */
function ipOracle(docs: readonly Doc[], q: Record<number, number>): Scored[] {
  const out: Scored[] = [];
  for (const d of docs) {
    const v = userVector(d.id);
    let s = 0;
    let hit = false;
    for (const [k, w] of Object.entries(q)) {
      if (v[Number(k)] === undefined) continue;
      hit = true;
      s += Math.fround(w) * v[Number(k)]!;
    }
    if (hit) out.push({ id: d.id, score: s });
  }
  return out.sort((a, b) => b.score - a.score || a.id - b.id);
}

const open: { db: VesperClient; pool?: LocalReaderPool }[] = [];
afterAll(async () => {
  for (const o of open) {
    await o.db.close().catch(() => undefined);
    o.pool?.close();
  }
});

/** Object reads of index files, by key (a reopened holder must read them). */
const indexReads = new Map<string, number>();
const inner = createMemoryStorage();
const storage: StorageSet = interceptStorage(inner, async (call, run) => {
  if (call.adapter === 'objects' && call.method === 'get' && /\/index-/.test(call.keys[0]!)) indexReads.set(call.keys[0]!, (indexReads.get(call.keys[0]!) ?? 0) + 1);
  return run();
});

async function openDb(readers = 0): Promise<VesperClient> {
  const pool = readers > 0 ? new LocalReaderPool(readers, storage.objects, getIndexFactory) : undefined;
  const db = await VesperClient.open({ storage, indexFactory: getIndexFactory, sealPolicy: SEAL, ...(pool ? { readers: pool } : {}) });
  open.push({ db, ...(pool ? { pool } : {}) });
  return db;
}

async function closeDb(db: VesperClient): Promise<void> {
  await db.close();
  const at = open.findIndex((o) => o.db === db);
  open[at]?.pool?.close();
  open.splice(at, 1);
}

async function waitIndexed(db: VesperClient, field: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const d = (await db.describeIndex({ collection_name: NAME, field_name: field })).index_descriptions[0]!;
    if (d.state === 'Finished' && Number(d.pending_index_rows) === 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`index on ${field} did not finish`);
}

async function manifest(db: VesperClient): Promise<Manifest> {
  const id = Number((await db.describeCollection({ collection_name: NAME })).collectionID);
  return new ManifestStore(inner.objects).latest(id);
}

/** Every segment's sparse index records: one file per field, opening to the segment's rows. */
async function sparseFiles(db: VesperClient, fields: readonly string[]): Promise<Map<string, string[]>> {
  const m = await manifest(db);
  expect(m.segments.length).toBeGreaterThan(1);
  const byField = new Map<string, string[]>(fields.map((f) => [f, []]));
  for (const seg of m.segments) {
    for (const f of fields) {
      const recs = seg.indexes.filter((i) => i.field === f);
      expect(recs, `segment ${seg.id} field ${f}`).toHaveLength(1);
      const bytes = (await inner.objects.get(recs[0]!.key))!;
      expect(bytes.length).toBe(recs[0]!.bytes);
      expect(SparseInvertedIndex.open(bytes).rowCount).toBe(seg.rows);
      byField.get(f)!.push(recs[0]!.key);
    }
  }
  expect((m.readerFlags ?? 0) & READER_SPARSE_INDEX_FILES).toBe(READER_SPARSE_INDEX_FILES);
  return byField;
}

async function answers(db: VesperClient): Promise<{ bm25: Scored[][]; ip: Scored[][] }> {
  const bm25: Scored[][] = [];
  for (const q of QUERIES) {
    bm25.push(await textHits(db as unknown as TextDb, NAME, q, 10, {}));
    bm25.push(await textHits(db as unknown as TextDb, NAME, q, 10, { filter: 'tag == 2' }));
  }
  const ip: Scored[][] = [];
  for (const q of USER_QUERIES) {
    for (const filter of [undefined, 'tag != 1']) {
      const res = await db.search({ collection_name: NAME, anns_field: 'user', data: [q], limit: 10, metric_type: 'IP', consistency_level: 'Strong', ...(filter ? { filter } : {}) } as never);
      const list = (Array.isArray((res.results as unknown[])[0]) ? (res.results as unknown[][])[0] : res.results) as { id: unknown; score: number }[];
      ip.push(list.map((h) => ({ id: Number(h.id), score: h.score })));
    }
  }
  return { bm25, ip };
}

async function expectOracle(got: { bm25: Scored[][]; ip: Scored[][] }, alive: readonly Doc[], what: string): Promise<void> {
  let i = 0;
  for (const q of QUERIES) {
    for (const keep of [() => true, (d: Doc) => d.tag === 2]) {
      expect(compare(got.bm25[i++]!, await oracle(alive, q, keep), 10), `${what}: BM25 "${q}" seed ${seed}`).toBeUndefined();
    }
  }
  i = 0;
  for (const q of USER_QUERIES) {
    for (const keep of [() => true, (d: Doc) => d.tag !== 1]) {
      expect(compare(got.ip[i++]!, ipOracle(alive.filter(keep), q), 10), `${what}: IP ${JSON.stringify(q)} seed ${seed}`).toBeUndefined();
    }
  }
  expect(got.bm25.some((l) => l.length > 0) && got.ip.some((l) => l.length > 0)).toBe(true);
}

/**
 * Equal scores on segments of different holders (readers) merge in either order, and a tie at
 * the last rank may keep either row: with readers the scores must be the very same numbers and
 * the ids the oracle's (expectOracle).
 */
const scoresOf = (a: { bm25: Scored[][]; ip: Scored[][] }): number[][] => [...a.bm25, ...a.ip].map((l) => l.map((h) => h.score));

describe(`sparse index files (seed ${seed})`, () => {
  let db: VesperClient;
  let alive: Doc[];
  let before: { bm25: Scored[][]; ip: Scored[][] };
  let files: Map<string, string[]>;

  it('flush writes a file per segment and sparse field, committed in the manifest; searches equal the oracles', async () => {
    db = await openDb();
    await db.createCollection({
      collection_name: NAME,
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'text', data_type: 'VarChar', max_length: 2000, enable_analyzer: true, analyzer_params: { type: 'english' } },
        { name: 'tag', data_type: 'Int64' },
        { name: 'sparse', data_type: 'SparseFloatVector' },
        { name: 'user', data_type: 'SparseFloatVector' },
      ],
      functions: [{ name: 'bm25', type: 'BM25', input_field_names: ['text'], output_field_names: ['sparse'], params: {} }],
    } as never);
    await db.createIndex({ collection_name: NAME, field_name: 'sparse', index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'BM25' });
    await db.createIndex({ collection_name: NAME, field_name: 'user', index_type: 'AUTOINDEX', metric_type: 'IP' });
    await db.loadCollection({ collection_name: NAME });
    const docs = corpus(seed, 300);
    const row = (d: Doc) => ({ id: d.id, text: d.text, tag: d.tag, user: userVector(d.id) });
    for (let from = 0; from < docs.length; from += 100) {
      await db.insert({ collection_name: NAME, data: docs.slice(from, from + 100).map(row) });
      await db.flush({ collection_names: [NAME] });
    }
    const gone = docs.filter((d) => d.id % 9 === 4).map((d) => d.id);
    await db.delete({ collection_name: NAME, filter: `id in [${gone.join(',')}]` });
    alive = docs.filter((d) => d.id % 9 !== 4);
    await db.flush({ collection_names: [NAME] });
    await waitIndexed(db, 'sparse');
    await waitIndexed(db, 'user');
    files = await sparseFiles(db, ['sparse', 'user']);
    before = await answers(db);
    await expectOracle(before, alive, 'written');
  });

  it('a reopened database opens the files and answers exactly as before, in process and on readers', async () => {
    await closeDb(db);
    for (const readers of [0, 2]) {
      indexReads.clear();
      db = await openDb(readers);
      const got = await answers(db);
      if (readers === 0) expect(got).toEqual(before);
      else {
        expect(scoresOf(got), `${readers} readers`).toEqual(scoresOf(before));
        await expectOracle(got, alive, `${readers} readers`);
      }
      for (const key of [...files.get('sparse')!, ...files.get('user')!]) expect(indexReads.get(key), `${key} read (${readers} readers)`).toBeGreaterThan(0);
      await closeDb(db);
    }
  });

  it('a damaged file fails its segment with FORMAT_CORRUPT (2002) instead of a quiet rebuild', async () => {
    const key = files.get('user')![0]!;
    const good = (await inner.objects.get(key))!;
    const bad = good.slice();
    bad[bad.length - 3]! ^= 0x10;
    await inner.objects.put(key, bad);
    db = await openDb();
    await rejectsWithCode(answers(db), 2002);
    await closeDb(db);
    await inner.objects.put(key, good);
    db = await openDb();
    expect(await answers(db)).toEqual(before);
  });

  it('segments written before sparse index files (no record) are searched from their columns, then get files', async () => {
    const id = Number((await db.describeCollection({ collection_name: NAME })).collectionID);
    await closeDb(db);
    // the manifest as a build before sparse index files wrote it: no sparse records, no reader flag
    const store = new ManifestStore(inner.objects);
    const m = await store.latest(id);
    await store.commit({ ...m, version: m.version + 1, readerFlags: 0, segments: m.segments.map((r) => ({ ...r, indexes: r.indexes.filter((i) => i.field !== 'sparse' && i.field !== 'user') })) });
    indexReads.clear();
    db = await openDb(2);
    const got = await answers(db);
    expect(scoresOf(got)).toEqual(scoresOf(before));
    await expectOracle(got, alive, 'no records, readers');
    // the writer builds the missing files in the background; the readers open them on their next search
    await waitIndexed(db, 'sparse');
    await waitIndexed(db, 'user');
    expect(await sparseFiles(db, ['sparse', 'user'])).toEqual(files);
    expect(scoresOf(await answers(db))).toEqual(scoresOf(before));
    // read since the reopen (a reader may have opened some already during the first searches)
    for (const key of [...files.get('sparse')!, ...files.get('user')!]) expect(indexReads.get(key), `${key} read by a reader`).toBeGreaterThan(0);
    await closeDb(db);
    db = await openDb();
  });

  it('dropIndex forgets the files (searches stay exact); createIndex builds new ones', async () => {
    await db.releaseCollection({ collection_name: NAME });
    await db.dropIndex({ collection_name: NAME, field_name: 'user' } as never);
    const m = await manifest(db);
    expect(m.segments.flatMap((s) => s.indexes.filter((i) => i.field === 'user'))).toEqual([]);
    await db.loadCollection({ collection_name: NAME });
    expect(await answers(db)).toEqual(before);
    await db.releaseCollection({ collection_name: NAME });
    await db.createIndex({ collection_name: NAME, field_name: 'user', index_type: 'SPARSE_WAND', metric_type: 'IP' });
    await db.loadCollection({ collection_name: NAME });
    await waitIndexed(db, 'user');
    const again = await sparseFiles(db, ['sparse', 'user']);
    expect(again.get('sparse')).toEqual(files.get('sparse'));
    expect(again.get('user')!.filter((k) => files.get('user')!.includes(k)), 'new files under the new index id').toEqual([]);
    files = again;
    expect(await answers(db)).toEqual(before);
  });

  it('compaction writes segments whose files are built again; GC keeps every file the manifest names', async () => {
    const gone = alive.filter((d) => d.id % 4 === 1).map((d) => d.id);
    await db.delete({ collection_name: NAME, filter: `id in [${gone.join(',')}]` });
    alive = alive.filter((d) => d.id % 4 !== 1);
    await db.flush({ collection_names: [NAME] });
    const oldSegments = new Set((await manifest(db)).segments.map((s) => s.id));
    const { compactionID } = await db.compact({ collection_name: NAME });
    for (let i = 0; i < 400 && (await db.getCompactionState({ compactionID })).state !== 'Completed'; i++) await new Promise((r) => setTimeout(r, 25));
    await waitIndexed(db, 'sparse');
    await waitIndexed(db, 'user');
    const m = await manifest(db);
    expect(m.segments.some((s) => !oldSegments.has(s.id)), 'compaction produced segments').toBe(true);
    files = await sparseFiles(db, ['sparse', 'user']);
    const after = await answers(db);
    await expectOracle(after, alive, 'compacted');
    // GC ran after the compaction: a reopened database finds every file it names
    await closeDb(db);
    db = await openDb();
    expect(await answers(db)).toEqual(after);
  });
});
