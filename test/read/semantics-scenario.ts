/**
 * Issue 18's Milvus semantics, one scenario run against any VesperClient: in Node (the proxy
 * with a LocalReaderPool, test/integration/semantics-scenario.test.ts) and in Chromium (an
 * `opfs://` database whose engine worker reads sealed segments through query workers,
 * test/browser/semantics-scenario.test.ts). Every check compares an answer with an oracle
 * computed here from the rows it inserted: read options (`ignore_growing`, `round_decimal`,
 * `strict_group_size`, grouping in hybrid search, `order_by_fields`), TTL (validation, expiry
 * of sealed rows, a TTL set by alter, compaction), partition-level load and release, both
 * iterators (writes made while iterating do not show; a snapshot a compaction purged is 1100),
 * partial update, collection properties, unimplemented functions, type checks on insert, and
 * the SDK calls useDatabase,
 * getIndexState, getIndexBuildProgress and getLoadingProgress. Each check runs even when an
 * earlier one failed; the answer is the list of failures (empty: passed), each naming the seed.
 */
import { DataType, type VesperClient } from '@vesper/core';
import { Random } from '../../packages/core/src/util/random.ts';

export interface SemanticsScenarioOptions {
  /** Runs after each flush and load (a runtime waits here for its readers to take the collection's new segments). */
  readonly settle?: (collection: string) => Promise<void>;
}

const DIM = 4;
const STRONG = { consistency_level: 'Strong' as const };
type Hit = { id: unknown; score: number } & Record<string, unknown>;
type Row = { id: number; g: number; price: number; rating: number; big: string; v: number[]; w: number[] };

class Failed extends Error {}

function fail(msg: string): never {
  throw new Failed(msg);
}

const show = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))?.slice(0, 300) ?? String(x);

function eq(what: string, got: unknown, want: unknown): void {
  if (show(got) !== show(want)) fail(`${what}: got ${show(got)}, want ${show(want)}`);
}

/** The VesperError code `p` rejects with (fails when it resolves). */
async function codeOf(what: string, p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: number; message: string };
  }
  return fail(`${what}: succeeded, want an error`);
}

async function refused(what: string, p: Promise<unknown>, code: number): Promise<string> {
  const e = await codeOf(what, p);
  if (e.code !== code) fail(`${what}: code ${e.code} (${e.message}), want ${code}`);
  return e.message;
}

const l2 = (x: readonly number[], y: readonly number[]): number => x.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0);
const ids = (rows: readonly { id?: unknown }[]): number[] => rows.map((r) => Number(r.id));
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

/** Groups of rows sorted best first: the first `limit` groups, each its first `size` rows. */
function bruteGroups(sortedRows: readonly { id: number; g: number }[], limit: number, size: number): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const r of sortedRows) {
    const b = groups.get(r.g) ?? (groups.size < limit ? [] : undefined);
    if (b === undefined) continue;
    groups.set(r.g, b);
    if (b.length < size) b.push(r.id);
  }
  return groups;
}

export async function semanticsScenario(db: VesperClient, seed: number, o: SemanticsScenarioOptions = {}): Promise<string[]> {
  const rng = new Random(seed);
  const failures: string[] = [];
  const check = async (name: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      failures.push(`seed ${seed}: ${name}: ${e instanceof Failed ? e.message : `threw ${(e as Error).stack ?? String(e)}`}`);
    }
  };
  const vec = (): number[] => Array.from({ length: DIM }, () => Math.fround(rng.gaussian()));
  const flush = async (name: string): Promise<void> => {
    await db.flush({ collection_names: [name] });
    await o.settle?.(name);
  };

  // ---- the main collection: 150 sealed rows, 70 growing, two shards -------------------------
  const M = { collection_name: 'sem_main' };
  const SEALED = 150;
  const rows: Row[] = Array.from({ length: 220 }, (_, id) => ({ id, g: rng.int(12), price: rng.int(8), rating: Math.round(rng.next() * 50) / 10, big: String(rng.int(1_000_000)), v: vec(), w: vec() }));
  const byId = new Map(rows.map((r) => [r.id, r]));
  await db.createCollection({
    ...M,
    shards_num: 2,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'g', data_type: DataType.Int32 },
      { name: 'price', data_type: DataType.Int32 },
      { name: 'rating', data_type: DataType.Double },
      { name: 'big', data_type: DataType.Int64 },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      { name: 'w', data_type: DataType.FloatVector, dim: DIM },
    ],
    index_params: [
      { field_name: 'v', index_type: 'FLAT', metric_type: 'L2' },
      { field_name: 'w', index_type: 'FLAT', metric_type: 'L2' },
    ],
  });
  await db.loadCollection(M);
  await db.insert({ ...M, data: rows.slice(0, SEALED) });
  await flush('sem_main');
  await db.insert({ ...M, data: rows.slice(SEALED) });
  const exact = (from: readonly Row[], q: readonly number[], field: 'v' | 'w' = 'v') => from.map((r) => ({ id: r.id, g: r.g, d: l2(q, r[field]) })).sort((a, b) => a.d - b.d || a.id - b.id);
  const count = async (req: Record<string, unknown> = {}): Promise<number> => Number((await db.query({ ...M, filter: '', output_fields: ['count(*)'], ...STRONG, ...req })).data[0]!['count(*)']);

  const simple = (name: string, properties?: Record<string, unknown>) =>
    db.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      ],
      index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
      ...(properties ? { properties } : {}),
    } as never);
  const propsOf = async (name: string): Promise<Record<string, string>> => Object.fromEntries(((await db.describeCollection({ collection_name: name })) as unknown as { properties: { key: string; value: string }[] }).properties.map((p) => [p.key, p.value]).sort());

  const compacted = async (name: string): Promise<void> => {
    const { compactionID } = await db.compact({ collection_name: name });
    for (let i = 0; i < 500 && (await db.getCompactionState({ compactionID })).state === 'Executing'; i++) await new Promise((r) => setTimeout(r, 10));
    eq(`compaction of ${name}`, (await db.getCompactionState({ compactionID })).state, 'Completed');
  };

  await check('ignore_growing', async () => {
    const q = vec();
    const sealedOnly = await db.search({ ...M, ...STRONG, anns_field: 'v', data: q, limit: 30, ignore_growing: true });
    eq('search ignore_growing: true', ids(sealedOnly.results as Hit[]), exact(rows.slice(0, SEALED), q).slice(0, 30).map((h) => h.id));
    const all = await db.search({ ...M, ...STRONG, anns_field: 'v', data: q, limit: 30 });
    eq('search without ignore_growing', ids(all.results as Hit[]), exact(rows, q).slice(0, 30).map((h) => h.id));
    const queried = await db.query({ ...M, ...STRONG, filter: 'id >= 0', output_fields: ['id'], ignore_growing: true });
    eq('query ignore_growing: true', sorted(ids(queried.data)), rows.slice(0, SEALED).map((r) => r.id));
    eq('count ignore_growing: true', await count({ ignore_growing: true }), SEALED);
    eq('count', await count(), rows.length);
  });

  await check('round_decimal', async () => {
    const q = vec();
    const raw = (await db.search({ ...M, ...STRONG, anns_field: 'v', data: q, limit: 20 })).results as Hit[];
    const want = exact(rows, q).slice(0, 20);
    raw.forEach((h, i) => {
      if (Math.abs(h.score - want[i]!.d) > 1e-4) fail(`raw score ${i}: ${h.score}, exact ${want[i]!.d}`);
    });
    for (const d of [0, 2]) {
      const r = (await db.search({ ...M, ...STRONG, anns_field: 'v', data: q, limit: 20, round_decimal: d })).results as Hit[];
      eq(`round_decimal ${d}: ids`, ids(r), ids(raw));
      eq(`round_decimal ${d}: scores`, r.map((h) => h.score), raw.map((h) => Math.floor(h.score * 10 ** d + 0.5) / 10 ** d));
    }
    await refused('round_decimal 7', db.search({ ...M, anns_field: 'v', data: q, round_decimal: 7 }), 1100);
  });

  await check('hybridSearch group_by_field / group_size', async () => {
    const [qa, qb] = [vec(), vec()];
    const [limit, size, k, subLimit] = [4, 2, 60, 6];
    const res = await db.hybridSearch({
      ...M,
      ...STRONG,
      data: [
        { anns_field: 'v', data: qa, limit: subLimit },
        { anns_field: 'w', data: qb, limit: subLimit },
      ],
      rerank: { strategy: 'rrf', params: { k } },
      limit,
      group_by_field: 'g',
      group_size: size,
      output_fields: ['g'],
    });
    // each sub-search is grouped; RRF fuses the grouped lists; the fused hits are grouped again
    const sub = (field: 'v' | 'w', qv: number[]) => [...bruteGroups(exact(rows, qv, field), subLimit, size).values()].flat();
    const fused = new Map<number, number>();
    for (const list of [sub('v', qa), sub('w', qb)]) list.forEach((id, i) => fused.set(id, (fused.get(id) ?? 0) + 1 / (k + i + 1)));
    const ranked = [...fused].sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    const want = [...bruteGroups(ranked.map(([id]) => ({ id, g: byId.get(id)!.g })), limit, size).values()].flat();
    eq('grouped hybrid search', ids(res.results as Hit[]), want);
    const groups = new Set((res.results as Hit[]).map((h) => Number(h['g'])));
    if (groups.size > limit) fail(`${groups.size} groups, limit ${limit}`);
  });

  await check('order_by_fields on query', async () => {
    type Key = { f: 'price' | 'rating'; desc?: boolean };
    const oracle = (keys: readonly Key[], where: (r: Row) => boolean, offset: number, limit: number): number[] =>
      rows
        .filter(where)
        .sort((a, b) => {
          for (const key of keys) {
            const c = a[key.f] - b[key.f];
            if (c !== 0) return key.desc === true ? -c : c;
          }
          return a.id - b.id;
        })
        .slice(offset, offset + limit)
        .map((r) => r.id);
    const cases: [unknown, Key[], string, (r: Row) => boolean, number, number][] = [
      ['price', [{ f: 'price' }], 'id >= 0', () => true, 0, 25],
      ['price:desc', [{ f: 'price', desc: true }], 'id >= 0', () => true, 13, 40],
      [['price:asc', 'rating:desc'], [{ f: 'price' }, { f: 'rating', desc: true }], 'rating > 2', (r) => r.rating > 2, 5, 30],
      [[{ field: 'rating', order: 'desc' }], [{ f: 'rating', desc: true }], 'id >= 0', () => true, 0, 220],
    ];
    for (const [order, keys, filter, where, offset, limit] of cases) {
      const got = await db.query({ ...M, ...STRONG, filter, offset, limit, output_fields: ['id'], order_by_fields: order as string });
      eq(`order_by_fields ${show(order)} offset ${offset} limit ${limit}`, ids(got.data), oracle(keys, where, offset, limit));
    }
    const msg = await refused('order_by_fields on a vector', db.query({ ...M, filter: 'id >= 0', limit: 5, order_by_fields: ['v:asc'] }), 1100);
    if (!msg.includes('not sortable')) fail(`order by a vector: message ${msg}`);
  });

  await check('queryIterator', async () => {
    const sizes: number[] = [];
    const got: number[] = [];
    for await (const batch of await db.queryIterator({ ...M, ...STRONG, batchSize: 64, output_fields: ['id', 'price'] })) {
      sizes.push(batch.length);
      got.push(...ids(batch as { id: unknown }[]));
      for (const r of batch) eq('an iterated row', r, { id: String(r['id']), price: byId.get(Number(r['id']))?.price });
    }
    eq('batch sizes', sizes, [64, 64, 64, 28]);
    eq('ids in key order, each once', got, rows.map((r) => r.id));
    const filtered: number[] = [];
    for await (const batch of await db.queryIterator({ ...M, ...STRONG, batchSize: 10, limit: 25, filter: 'price < 4' })) filtered.push(...ids(batch as { id: unknown }[]));
    eq('filter and limit', filtered, rows.filter((r) => r.price < 4).slice(0, 25).map((r) => r.id));
    // writes made while iterating do not show: every batch reads the first one's snapshot
    const last = rows[rows.length - 1]!;
    const during: number[] = [];
    let batches = 0;
    for await (const batch of await db.queryIterator({ ...M, ...STRONG, batchSize: 50 })) {
      during.push(...ids(batch as { id: unknown }[]));
      if (++batches === 1) {
        await db.insert({ ...M, data: [{ ...last, id: 5000 }] });
        await db.delete({ ...M, ids: [last.id] });
      }
    }
    eq('rows while writing', during, rows.map((r) => r.id));
    await db.delete({ ...M, ids: [5000] });
    await db.insert({ ...M, data: [last] });
    eq('count after restoring', await count(), rows.length);
  });

  await check('queryIterator: a snapshot older than a compaction that purged rows', async () => {
    const G = { collection_name: 'sem_gc' };
    await simple('sem_gc');
    await db.insert({ ...G, data: Array.from({ length: 300 }, (_, id) => ({ id, v: [id, 0, 0, 0] })) });
    await flush('sem_gc');
    const it = (await db.queryIterator({ ...G, ...STRONG, batchSize: 100 }))[Symbol.asyncIterator]();
    eq('first batch', ids(((await it.next()).value ?? []) as { id: unknown }[]), Array.from({ length: 100 }, (_, i) => i));
    await db.delete({ ...G, filter: 'id < 200' });
    await compacted('sem_gc');
    await refused('the next batch', it.next(), 1100);
    const left: number[] = [];
    for await (const batch of await db.queryIterator({ ...G, ...STRONG, batchSize: 64 })) left.push(...ids(batch as { id: unknown }[]));
    eq('a fresh iterator', left, Array.from({ length: 100 }, (_, i) => 200 + i));
  });

  await check('searchIterator', async () => {
    const q = vec();
    const want = exact(rows, q);
    const got: { id: number; d: number }[] = [];
    const sizes: number[] = [];
    for await (const page of await db.searchIterator({ ...M, ...STRONG, data: q, anns_field: 'v', batchSize: 50 })) {
      sizes.push(page.length);
      got.push(...page.map((h) => ({ id: Number(h.id), d: h.score })));
    }
    if (sizes.some((s) => s > 50)) fail(`a page over batchSize: ${show(sizes)}`);
    eq('every row exactly once', sorted(got.map((h) => h.id)), rows.map((r) => r.id));
    got.forEach((h, i) => {
      if (Math.abs(h.d - want[i]!.d) > 1e-4 * Math.max(1, want[i]!.d)) fail(`hit ${i}: distance ${h.d}, exact ${want[i]!.d}`);
    });
    const limited: number[] = [];
    for await (const page of await db.searchIterator({ ...M, ...STRONG, data: q, anns_field: 'v', batchSize: 7, limit: 30, filter: 'g < 6' })) limited.push(...ids(page));
    eq('filter and limit', limited, exact(rows.filter((r) => r.g < 6), q).slice(0, 30).map((h) => h.id));
    // a row written at distance 0 after the first page does not show, nor does a delete
    const farthest = byId.get(want[want.length - 1]!.id)!;
    const during: number[] = [];
    for await (const page of await db.searchIterator({ ...M, ...STRONG, data: q, anns_field: 'v', batchSize: 40 })) {
      if (during.length === 0) {
        await db.insert({ ...M, data: [{ ...farthest, id: 5001, v: q }] });
        await db.delete({ ...M, ids: [farthest.id] });
      }
      during.push(...ids(page));
    }
    eq('hits while writing', during, got.map((h) => h.id));
    await db.delete({ ...M, ids: [5001] });
    await db.insert({ ...M, data: [farthest] });
    eq('count after restoring', await count(), rows.length);
  });

  await check('type checks on insert (1804, nothing written)', async () => {
    const before = await count();
    const good = { id: 9000, g: 1, price: 1, rating: 1, big: '5', v: vec(), w: vec() };
    const bad: [string, Record<string, unknown>][] = [
      ['[true, false, ...] into a FloatVector', { ...good, id: 9001, v: [true, false, true, false] }],
      ['" 8 " into Int32', { ...good, id: 9002, price: ' 8 ' }],
      ['"abc" into Int64', { ...good, id: 9003, big: 'abc' }],
    ];
    for (const [what, row] of bad) await refused(what, db.insert({ ...M, data: [good, row] }), 1804);
    eq('count after refused inserts', await count(), before);
    eq('the good row of a refused batch', (await db.get({ ...M, ...STRONG, ids: [9000] })).data, []);
  });

  await check('partial update', async () => {
    const updates = [
      { id: 3, price: 1000 },
      { id: SEALED + 7, rating: 0.25 },
    ];
    await db.upsert({ ...M, data: updates, partial_update: true });
    for (const u of updates) Object.assign(byId.get(u.id)!, u);
    const got = await db.get({ ...M, ...STRONG, ids: updates.map((u) => u.id), output_fields: ['id', 'g', 'price', 'rating', 'big', 'v'] });
    // exactly as stored: Int64 values (the key too) as their decimal text, vectors as float32
    const want = updates.map((u) => byId.get(u.id)!).map((r) => ({ id: String(r.id), g: r.g, price: r.price, rating: r.rating, big: r.big, v: r.v }));
    const norm = (rs: readonly Record<string, unknown>[]) => rs.map((r) => ({ id: r['id'], g: r['g'], price: r['price'], rating: r['rating'], big: r['big'], v: r['v'] })).sort((a, b) => Number(a.id) - Number(b.id));
    eq('updated rows keep the fields left out', norm(got.data), want);
    if (Object.keys(got.data[0] ?? {}).sort().join() !== 'big,g,id,price,rating,v') fail(`output fields ${show(Object.keys(got.data[0] ?? {}))}`);
    eq('count unchanged', await count(), rows.length);
    await refused('a new key without its required fields', db.upsert({ ...M, data: [{ id: 8000, price: 1 }], partial_update: true }), 1804);
    eq('nothing written', (await db.get({ ...M, ...STRONG, ids: [8000] })).data, []);
  });

  await check('getIndexState, getIndexBuildProgress, getLoadingProgress', async () => {
    let p = await db.getIndexBuildProgress({ ...M, field_name: 'v' });
    for (let i = 0; i < 200 && p.pending_index_rows !== '0'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      p = await db.getIndexBuildProgress({ ...M, field_name: 'v' });
    }
    eq('getIndexBuildProgress (sealed rows)', [p.indexed_rows, p.total_rows, p.pending_index_rows], [String(SEALED), String(SEALED), '0']);
    eq('getIndexState once built', (await db.getIndexState({ ...M, index_name: 'v' })).state, 'Finished');
    await refused('getIndexState of a missing index', db.getIndexState({ ...M, index_name: 'nope' }), 700);
    eq('getLoadingProgress', (await db.getLoadingProgress(M)).progress, '100');
  });

  // ---- strict_group_size: groups 1, 2 have one row near the query and nine far away ---------
  await check('strict_group_size', async () => {
    const S = { collection_name: 'sem_strict' };
    const q = [0, 0, 0, 0];
    const shell = (r: number): number[] => {
      const v = vec();
      const n = Math.sqrt(l2(v, q)) || 1;
      return v.map((x) => Math.fround((x / n) * r));
    };
    const srows = [
      ...[1, 2].flatMap((g) => Array.from({ length: 10 }, (_, i) => ({ id: 1000 * g + i, g, v: shell(i === 0 ? 0.2 * g : 50 + rng.next()) }))),
      ...Array.from({ length: 600 }, (_, i) => ({ id: i, g: 0, v: shell(1 + rng.next()) })),
    ];
    await db.createCollection({
      ...S,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'g', data_type: DataType.Int64 },
        { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      ],
      index_params: [{ field_name: 'v', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } }],
    });
    await db.loadCollection(S);
    await db.insert({ ...S, data: srows.slice(0, 400) });
    await flush('sem_strict');
    await db.insert({ ...S, data: srows.slice(400) });
    const res = await db.search({ ...S, ...STRONG, data: q, limit: 3, group_by_field: 'g', group_size: 4, strict_group_size: true, output_fields: ['g'] });
    const got = new Map<number, number[]>();
    for (const h of res.results as Hit[]) got.set(Number(h['g']), [...(got.get(Number(h['g'])) ?? []), Number(h.id)]);
    const want = bruteGroups(
      srows.map((r) => ({ ...r, d: l2(q, r.v) })).sort((a, b) => a.d - b.d || a.id - b.id),
      3,
      4,
    );
    eq('groups, each filled to group_size', [...got], [...want]);
    await refused('strict_group_size "sometimes"', db.search({ ...S, data: q, group_by_field: 'g', strict_group_size: 'sometimes' as unknown as boolean }), 1100);
  });

  // ---- partition-level load and release ------------------------------------------------------
  await check('partition load and release', async () => {
    const P = { collection_name: 'sem_parts' };
    const PARTS = ['_default', 'p1', 'p2'];
    const prows = PARTS.map((_, p) => Array.from({ length: 20 }, (_, i) => ({ id: p * 100 + i, v: vec() })));
    const idsIn = (parts: readonly string[]) => sorted(parts.flatMap((p) => prows[PARTS.indexOf(p)]!.map((r) => r.id)));
    await db.createCollection({ ...P, fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'v', data_type: DataType.FloatVector, dim: DIM }], index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }] });
    for (const p of ['p1', 'p2']) await db.createPartition({ ...P, partition_name: p });
    for (const [i, p] of PARTS.entries()) await db.insert({ ...P, partition_name: p, data: prows[i]! });
    await flush('sem_parts');
    await db.loadCollection(P);
    const readsSee = async (what: string, parts: readonly string[]) => {
      eq(`${what}: search`, sorted(ids((await db.search({ ...P, ...STRONG, data: [0, 0, 0, 0], limit: 100 })).results as Hit[])), idsIn(parts));
      eq(`${what}: query`, sorted(ids((await db.query({ ...P, ...STRONG, filter: 'id >= 0', output_fields: ['id'] })).data)), idsIn(parts));
      eq(`${what}: count`, Number((await db.query({ ...P, ...STRONG, filter: '', output_fields: ['count(*)'] })).data[0]!['count(*)']), idsIn(parts).length);
    };
    await readsSee('all loaded', PARTS);
    await db.releasePartitions({ ...P, partition_names: ['p1'] });
    eq('load state of p1', (await db.getLoadState({ ...P, partition_names: ['p1'] })).state, 'LoadStateNotLoad');
    eq('load state of the others', (await db.getLoadState({ ...P, partition_names: ['_default', 'p2'] })).state, 'LoadStateLoaded');
    await readsSee('p1 released', ['_default', 'p2']);
    const onlyP2 = await db.search({ ...P, ...STRONG, data: [0, 0, 0, 0], limit: 100, partition_names: ['p2'] });
    eq('search naming p2', sorted(ids(onlyP2.results as Hit[])), idsIn(['p2']));
    await refused('search naming released p1', db.search({ ...P, data: [0, 0, 0, 0], partition_names: ['p1'] }), 201);
    await refused('query naming released p1', db.query({ ...P, filter: 'id >= 0', partition_names: ['p2', 'p1'] }), 201);
    await refused('getLoadingProgress naming released p1', db.getLoadingProgress({ ...P, partition_names: ['p1'] }), 201);
    await refused('loadPartitions with an unknown name', db.loadPartitions({ ...P, partition_names: ['p1', 'nope'] }), 200);
    eq('p1 still released', (await db.getLoadState({ ...P, partition_names: ['p1'] })).state, 'LoadStateNotLoad');
    await readsSee('after the refused load', ['_default', 'p2']);
    await db.loadPartitions({ ...P, partition_names: ['p1'] });
    await o.settle?.('sem_parts');
    await readsSee('p1 loaded again', PARTS);
  });

  // ---- properties and TTL ----------------------------------------------------------------
  await check('collection properties and mmap.enabled', async () => {
    await simple('sem_props');
    await db.alterCollectionProperties({ collection_name: 'sem_props', properties: { 'mmap.enabled': true, 'collection.ttl.seconds': 3600 } });
    eq('described after alter', await propsOf('sem_props'), { 'collection.ttl.seconds': '3600', 'mmap.enabled': 'true' });
    await refused('mmap.enabled "maybe"', db.alterCollectionProperties({ collection_name: 'sem_props', properties: { 'mmap.enabled': 'maybe' } }), 1100);
    await db.dropCollectionProperties({ collection_name: 'sem_props', delete_keys: ['mmap.enabled'] });
    eq('described after drop', await propsOf('sem_props'), { 'collection.ttl.seconds': '3600' });
  });

  await check('TTL validation', async () => {
    for (const ttl of ['abc', -5, '1.5']) {
      await refused(`create with ttl ${show(ttl)}`, simple('sem_ttl_bad', { 'collection.ttl.seconds': ttl }), 1100);
    }
    eq('nothing created', (await db.hasCollection({ collection_name: 'sem_ttl_bad' })).value, false);
    await refused('alter ttl "abc"', db.alterCollectionProperties({ collection_name: 'sem_props', properties: { 'collection.ttl.seconds': 'abc' } }), 1100);
    eq('properties unchanged', await propsOf('sem_props'), { 'collection.ttl.seconds': '3600' });
  });

  await check('TTL expiry', async () => {
    // wave A is written (and sealed), then outlives the 2 s TTL; wave B, written just before the reads, has not
    const T = { collection_name: 'sem_ttl' };
    const TTL_MS = 2000;
    await simple('sem_ttl', { 'collection.ttl.seconds': String(TTL_MS / 1000) });
    await db.loadCollection(T);
    const a = Array.from({ length: 30 }, (_, i) => ({ id: i, v: vec() }));
    const b = Array.from({ length: 30 }, (_, i) => ({ id: 100 + i, v: vec() }));
    const aStart = Date.now();
    await db.insert({ ...T, data: a });
    const aWritten = Date.now();
    await flush('sem_ttl');
    // (unless flushing took the TTL's time already)
    const aCount = Number((await db.query({ ...T, ...STRONG, filter: '', output_fields: ['count(*)'] })).data[0]!['count(*)']);
    if (Date.now() - aStart < TTL_MS) eq('wave A visible before its TTL', aCount, a.length);
    await new Promise((r) => setTimeout(r, Math.max(0, aWritten + TTL_MS + 300 - Date.now())));
    const bStart = Date.now();
    await db.insert({ ...T, data: b });
    const want = b.map((r) => r.id);
    eq('query', sorted(ids((await db.query({ ...T, ...STRONG, filter: 'id >= 0', output_fields: ['id'] })).data)), want);
    eq('search', sorted(ids((await db.search({ ...T, ...STRONG, data: [0, 0, 0, 0], limit: 100 })).results as Hit[])), want);
    eq('count', Number((await db.query({ ...T, ...STRONG, filter: '', output_fields: ['count(*)'] })).data[0]!['count(*)']), want.length);
    eq('get of an expired id', (await db.get({ ...T, ...STRONG, ids: [0, 100] })).data.map((r) => Number(r['id'])), [100]);
    // wave B must still have been inside its TTL when read, or the checks above proved nothing
    if (Date.now() - bStart >= TTL_MS) fail(`the reads took ${Date.now() - bStart} ms, longer than the TTL`);
    // compaction removes the expired (sealed) rows for good; the statistics count stored rows
    const stored = async () => Number((await db.getCollectionStatistics(T)).data.row_count);
    eq('stored rows before compaction', await stored(), a.length + b.length);
    await compacted('sem_ttl');
    eq('stored rows after compaction', await stored(), b.length);
  });

  await check('TTL set by alter applies to rows already written', async () => {
    const T = { collection_name: 'sem_ttl_alter' };
    await simple('sem_ttl_alter');
    await db.loadCollection(T);
    const n = 25;
    await db.insert({ ...T, data: Array.from({ length: n }, (_, id) => ({ id, v: vec() })) });
    const written = Date.now();
    await flush('sem_ttl_alter');
    await new Promise((r) => setTimeout(r, Math.max(0, written + 1300 - Date.now())));
    const reads = async () => [
      Number((await db.query({ ...T, ...STRONG, filter: '', output_fields: ['count(*)'] })).data[0]!['count(*)']),
      ((await db.search({ ...T, ...STRONG, data: [0, 0, 0, 0], limit: 100 })).results as Hit[]).length,
      (await db.query({ ...T, ...STRONG, filter: 'id >= 0', output_fields: ['id'] })).data.length,
    ];
    eq('count, search, query without a TTL', await reads(), [n, n, n]);
    await db.alterCollectionProperties({ ...T, properties: { 'collection.ttl.seconds': 1 } });
    eq('count, search, query once a 1 s TTL is set', await reads(), [0, 0, 0]);
  });

  // ---- functions the engine does not run --------------------------------------------------
  await check('an unimplemented function is refused at create', async () => {
    const msg = await refused(
      'TextEmbedding function',
      db.createCollection({
        collection_name: 'sem_fn',
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 't', data_type: DataType.VarChar, max_length: 100 },
          { name: 'e', data_type: DataType.FloatVector, dim: DIM },
        ],
        functions: [{ name: 'embed', type: 'TextEmbedding', input_field_names: ['t'], output_field_names: ['e'], params: { provider: 'openai', model_name: 'text-embedding-3-small' } }],
      } as never),
      1100,
    );
    if (!msg.includes('TextEmbedding')) fail(`message does not name the function type: ${msg}`);
    eq('nothing created', (await db.hasCollection({ collection_name: 'sem_fn' })).value, false);
  });

  await check('options the engine does not take are refused by name (nothing silently ignored)', async () => {
    const named = async (what: string, p: Promise<unknown>, key: string): Promise<void> => {
      const msg = await refused(what, p, 1100);
      if (!msg.includes(key)) fail(`${what}: the message does not name ${key}: ${msg}`);
    };
    const before = await count();
    const q = vec();
    const untyped = db as unknown as Record<string, (req: Record<string, unknown>) => Promise<unknown>>;
    const call = (method: string, req: Record<string, unknown>): Promise<unknown> => untyped[method]!.call(db, req);
    // a misspelt top-level option of each kind of call
    await named('search with consistency_levle', call('search', { ...M, anns_field: 'v', data: q, consistency_levle: 'Strong' }), 'consistency_levle');
    await named('query with outputFields (REST spelling)', call('query', { ...M, filter: 'id < 5', outputFields: ['g'] }), 'outputFields');
    await named('insert with a stray key', call('insert', { ...M, data: [{ ...rows[0]!, id: 10_000 }], partition: '_default' }), 'partition');
    await named('delete with a stray key', call('delete', { ...M, filter: 'id < 5', dry_run: true }), 'dry_run');
    await named('describeCollection with a stray key', call('describeCollection', { ...M, with_stats: true }), 'with_stats');
    await named('loadCollection with resource_groups', call('loadCollection', { ...M, resource_groups: ['rg1'] }), 'resource_groups');
    await named('loadCollection with 2 replicas', call('loadCollection', { ...M, replica_number: 2 }), 'replica_number');
    await db.loadCollection({ ...M, replica_number: 1 } as never);
    // nested option bags
    await named('search param of another index type (nprobe on FLAT)', call('search', { ...M, anns_field: 'v', data: q, params: { nprobe: 8 } }), 'nprobe');
    await named('query params with a stray key', call('query', { ...M, filter: 'id < 5', params: { reduce_stop_for_best: true } }), 'reduce_stop_for_best');
    await named(
      'hybrid sub-search with a stray key',
      call('hybridSearch', { ...M, data: [{ anns_field: 'v', data: q, offset: 3 }, { anns_field: 'w', data: q }], rerank: { strategy: 'rrf', params: { k: 60 } } }),
      'offset',
    );
    await named(
      'rrf rerank with weights',
      call('hybridSearch', { ...M, data: [{ anns_field: 'v', data: q }, { anns_field: 'w', data: q }], rerank: { strategy: 'rrf', params: { k: 60, weights: [0.5, 0.5] } } }),
      'weights',
    );
    await db.createCollection({ collection_name: 'sem_keys', fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'v', data_type: DataType.FloatVector, dim: DIM }] });
    await named('index build param of another type (nlist on HNSW)', call('createIndex', { collection_name: 'sem_keys', field_name: 'v', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, nlist: 8 } }), 'nlist');
    eq('no index was made', (await db.listIndexes({ collection_name: 'sem_keys' })).indexes, []);
    await named(
      'a field with a stray key',
      call('createCollection', { collection_name: 'sem_keys_field', fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true, auto_id: true }, { name: 'v', data_type: DataType.FloatVector, dim: DIM }] }),
      'auto_id',
    );
    eq('no collection was made', (await db.hasCollection({ collection_name: 'sem_keys_field' })).value, false);
    await named('timeout that is not a positive number', call('query', { ...M, filter: 'id < 5', timeout: 0 }), 'timeout');
    eq('a query under a timeout answers', ids((await db.query({ ...M, ...STRONG, filter: 'id < 3', timeout: 60_000 })).data).sort(), [0, 1, 2]);
    eq('nothing was written', await count(), before);
  });

  // ---- useDatabase (last: it changes where requests naming no database go) -----------------
  await check('useDatabase', async () => {
    await db.createDatabase({ db_name: 'sem_db' });
    eq('useDatabase sem_db', (await db.useDatabase({ db_name: 'sem_db' })).error_code, 'Success');
    await simple('inner');
    await db.insert({ collection_name: 'inner', data: [{ id: 1, v: vec() }] });
    eq('collections of sem_db', (await db.listCollections()).collection_names, ['inner']);
    eq('the collection is in sem_db', (await db.describeCollection({ collection_name: 'inner' }))['db_name'], 'sem_db');
    eq('default does not have it', (await db.hasCollection({ collection_name: 'inner', db_name: 'default' })).value, false);
    const msg = await refused('useDatabase of an unknown database', db.useDatabase({ db_name: 'sem_nope' }), 800);
    if (!msg.includes('sem_nope')) fail(`message does not name the database: ${msg}`);
    eq('still in sem_db', (await db.listCollections()).collection_names, ['inner']);
    await db.useDatabase();
    eq('back in default', (await db.hasCollection({ collection_name: 'sem_main' })).value, true);
    eq('inner not in default', (await db.hasCollection({ collection_name: 'inner' })).value, false);
  });

  return failures;
}
