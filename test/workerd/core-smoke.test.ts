/**
 * Core smoke test inside workerd: the unchanged engine creates collections (quick setup, and an
 * explicit schema with VarChar/JSON/Array fields), inserts seeded rows, flushes them to Arrow
 * IPC segment files in the memory ObjectStore, leaves more writes and deletes in the WAL, and
 * after a restart over the same adapter set (Milvus: a new proxy recovering from etcd, binlogs
 * and the msgstream) answers count, query, filtered query and search exactly as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import kernelsModule from '../../packages/core/src/kernels/build/kernels.wasm';
import { VesperClient } from '../../packages/core/src/index.ts';
import { createMemoryStorage, type StorageSet } from '../../packages/core/src/adapters/index.ts';
import { Random } from '../../packages/core/src/util/random.ts';
import { randomVector, workerdSeed } from './seeded.ts';

const seed = workerdSeed();
const DIM = 8;
const FLUSHED = 300;
const IN_WAL = 100;
const TAGS = ['a', 'b', 'c', 'd'] as const;
const LABELS = ['x', 'y', 'z', 'w'] as const;

// A type alias, not an interface: insert takes plain records, and only aliases are assignable.
type TypedRow = {
  pk: number;
  vec: number[];
  age: number;
  tag: string;
  meta: { group: number; name: string };
  labels: string[];
};

function typedRows(rng: Random, from: number, n: number): TypedRow[] {
  return Array.from({ length: n }, (_, j) => {
    const i = from + j;
    return {
      pk: 3 * i + 1, // not dense, so a positional mix-up cannot pass for a match
      vec: randomVector(rng, DIM),
      age: rng.int(30),
      tag: rng.pick(TAGS),
      meta: { group: rng.int(5), name: `row-${i}` },
      labels: LABELS.filter(() => rng.bool(0.4)),
    };
  });
}

const ids = (rows: readonly Record<string, unknown>[], field: string): number[] => rows.map((r) => Number(r[field]));
const sortedIds = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

type Rows = Record<string, unknown>[];
type Hits = Record<string, unknown>[][];

/** Everything the suite reads, so a restart can be compared with one toEqual. */
interface Snapshot {
  quickCount: number;
  typedCount: number;
  quickRows: Rows;
  typedRows: Rows;
  filtered: Rows;
  quickSearch: Hits;
  typedSearch: Hits;
}

async function snapshot(db: VesperClient, probes: { quick: number[][]; typed: number[][] }): Promise<Snapshot> {
  const strong = { consistency_level: 'Strong' as const };
  const rows = async (collection_name: string, filter: string, output_fields: string[]): Promise<Rows> =>
    (await db.query({ collection_name, filter, output_fields, ...strong })).data;
  // Several query vectors, so each result is a list of hit lists.
  const hits = async (res: Promise<{ results: unknown }>): Promise<Hits> => (await res).results as Hits;
  return {
    quickCount: (await db.count({ collection_name: 'quick', ...strong })).data,
    typedCount: (await db.count({ collection_name: 'typed', ...strong })).data,
    quickRows: await rows('quick', 'id >= 0', ['id', 'vector']),
    typedRows: await rows('typed', 'pk >= 0', ['pk', 'vec', 'age', 'tag', 'meta', 'labels']),
    filtered: await rows('typed', 'age > 10 and tag in ["a","b"]', ['pk', 'age', 'tag']),
    quickSearch: await hits(db.search({ collection_name: 'quick', data: probes.quick, limit: 5, ...strong })),
    typedSearch: await hits(
      db.search({ collection_name: 'typed', data: probes.typed, limit: 5, filter: 'meta["group"] < 3', output_fields: ['tag'], ...strong }),
    ),
  };
}

describe(`@vesper/core in workerd (seed ${seed})`, () => {
  const open: VesperClient[] = [];
  const openClient = async (storage: StorageSet): Promise<VesperClient> => {
    const db = await VesperClient.open({ storage, kernels: kernelsModule });
    open.push(db);
    return db;
  };
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
  });

  it('keeps flushed and WAL-only data, deletes included, across a restart', async () => {
    const rng = new Random(seed);
    const storage = createMemoryStorage();
    let db = await openClient(storage);

    await db.createCollection({ collection_name: 'quick', dimension: DIM, metric_type: 'L2' });
    await db.createCollection({
      collection_name: 'typed',
      fields: [
        { name: 'pk', data_type: 'Int64', is_primary_key: true },
        { name: 'vec', data_type: 'FloatVector', dim: DIM },
        { name: 'age', data_type: 'Int32' },
        { name: 'tag', data_type: 'VarChar', max_length: 8 },
        { name: 'meta', data_type: 'JSON' },
        { name: 'labels', data_type: 'Array', element_type: 'VarChar', max_capacity: 4, max_length: 4 },
      ],
      index_params: { field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' },
    });

    const quick = Array.from({ length: FLUSHED + IN_WAL }, (_, i) => ({ id: 10 * i + 7, vector: randomVector(rng, DIM) }));
    const typed = typedRows(rng, 0, FLUSHED + IN_WAL);

    expect((await db.insert({ collection_name: 'quick', data: quick.slice(0, FLUSHED) })).insert_cnt).toBe(String(FLUSHED));
    expect((await db.insert({ collection_name: 'typed', data: typed.slice(0, FLUSHED) })).insert_cnt).toBe(String(FLUSHED));
    await db.flush({ collection_names: ['quick', 'typed'] });
    const segmentFiles = await storage.objects.list('');
    expect(segmentFiles.length, 'flush wrote segment files to the ObjectStore').toBeGreaterThan(0);

    // Left in the WAL: more inserts, and deletes of both flushed and WAL-only rows.
    await db.insert({ collection_name: 'quick', data: quick.slice(FLUSHED) });
    await db.insert({ collection_name: 'typed', data: typed.slice(FLUSHED) });
    const deleted = [typed[0]!.pk, typed[FLUSHED - 1]!.pk, typed[FLUSHED + 5]!.pk];
    await db.delete({ collection_name: 'typed', filter: `pk in [${deleted.join(',')}]` });
    const liveTyped = typed.filter((r) => !deleted.includes(r.pk));

    // Probes: stored vectors from the flushed part and from the WAL-only part.
    const pickRows = [0, 17, FLUSHED - 1, FLUSHED, FLUSHED + IN_WAL - 1];
    const inGroup = liveTyped.filter((r) => r.meta.group < 3);
    const typedProbeRows = inGroup.slice(0, 3).concat(inGroup.slice(-2));
    const probes = { quick: pickRows.map((i) => quick[i]!.vector), typed: typedProbeRows.map((r) => r.vec) };
    const before = await snapshot(db, probes);

    // Check the answers against the rows we wrote, not only against themselves.
    expect(before.quickCount).toBe(FLUSHED + IN_WAL);
    expect(before.typedCount).toBe(liveTyped.length);
    expect(ids(before.quickRows, 'id')).toEqual(quick.map((r) => r.id));
    const gotTyped = before.typedRows;
    expect(ids(gotTyped, 'pk')).toEqual(liveTyped.map((r) => r.pk));
    for (const [i, row] of gotTyped.entries()) {
      const want = liveTyped[i]!;
      expect(Array.from(row.vec as ArrayLike<number>)).toEqual(want.vec);
      expect(row).toMatchObject({ age: want.age, tag: want.tag, meta: want.meta, labels: want.labels });
    }
    const wantFiltered = liveTyped.filter((r) => r.age > 10 && (r.tag === 'a' || r.tag === 'b')).map((r) => r.pk);
    expect(wantFiltered.length, 'the filter selects some rows but not all').toBeGreaterThan(0);
    expect(sortedIds(ids(before.filtered, 'pk'))).toEqual(wantFiltered);
    const quickHits = before.quickSearch;
    expect(quickHits.map((hits) => Number(hits[0]!.id))).toEqual(pickRows.map((i) => quick[i]!.id));
    expect(quickHits.map((hits) => hits[0]!.score)).toEqual(pickRows.map(() => 0));
    const typedHits = before.typedSearch;
    expect(typedHits.map((hits) => Number(hits[0]!.id))).toEqual(typedProbeRows.map((r) => r.pk));
    expect(typedHits.map((hits) => hits[0]!.tag)).toEqual(typedProbeRows.map((r) => r.tag));
    const groupOf = new Map(typed.map((r) => [r.pk, r.meta.group]));
    for (const hits of typedHits) for (const h of hits) expect(groupOf.get(Number(h.id))).toBeLessThan(3);

    await db.close();
    open.splice(0);
    db = await openClient(storage);
    expect(await db.hasCollection({ collection_name: 'typed' })).toMatchObject({ value: true });
    // The load state is catalog state too (Milvus's QueryCoord recovers it): no reload needed.
    for (const name of ['quick', 'typed']) {
      expect((await db.getLoadState({ collection_name: name })).state, name).toBe('LoadStateLoaded');
    }
    const after = await snapshot(db, probes);
    expect(after).toEqual(before);
  });
});
