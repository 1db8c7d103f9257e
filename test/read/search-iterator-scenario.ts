/**
 * searchIterator's scenario, run in Node, Chromium and workerd against any VesperClient: pages
 * of one query vector's hits checked against exhaustive exact search computed here (distance
 * order, ties by primary key). FLAT: the whole stream equals the oracle — every hit exactly
 * once, ties included (rows share vectors), bounded by radius/range_filter, with a filter and a
 * limit; writes made while iterating (a row at distance 0, deletes of rows still ahead) do not
 * show. HNSW: each page's recall against the exact page at the same positions. Returns the
 * failures as text (empty: passed), each naming the seed.
 */
import { DataType, type VesperClient } from '@vesper/core';
import type { SearchRow } from '../../packages/core/src/proxy/tasks/search-task.ts';
import { Random } from '../../packages/core/src/util/random.ts';

const DIM = 8;
type Item = { id: number; g: number; v: number[] };

function l2(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

function ip(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Exact hits, best first, ties by id; distances as the engine computes them (float32 within 1e-4). */
function exact(items: readonly Item[], q: readonly number[], metric: 'L2' | 'IP', keep: (it: Item, d: number) => boolean = () => true): { id: number; d: number }[] {
  const out = items.map((it) => ({ id: it.id, d: metric === 'L2' ? l2(it.v, q) : ip(it.v, q) })).filter((h) => keep(items.find((x) => x.id === h.id)!, h.d));
  return out.sort((a, b) => (metric === 'L2' ? a.d - b.d : b.d - a.d) || a.id - b.id);
}

async function drain(it: AsyncIterable<SearchRow[]>, during?: (page: number) => Promise<void>): Promise<{ sizes: number[]; hits: { id: number; d: number }[] }> {
  const sizes: number[] = [];
  const hits: { id: number; d: number }[] = [];
  for await (const page of it) {
    sizes.push(page.length);
    hits.push(...page.map((h) => ({ id: Number(h.id), d: h.score })));
    if (during) await during(sizes.length);
  }
  return { sizes, hits };
}

/** Compares a stream to the oracle: same ids in the same order, distances within float32 error. */
function same(what: string, got: readonly { id: number; d: number }[], want: readonly { id: number; d: number }[]): string[] {
  if (got.length !== want.length) return [`${what}: ${got.length} hits, oracle ${want.length}`];
  for (let i = 0; i < got.length; i++) {
    if (Math.abs(got[i]!.d - want[i]!.d) > 1e-4 * Math.max(1, Math.abs(want[i]!.d))) return [`${what}: hit ${i} distance ${got[i]!.d}, oracle ${want[i]!.d}`];
    // near-equal distances may swap under float32 rounding; exact ties (shared vectors) may not
    if (got[i]!.id !== want[i]!.id && Math.abs(want[i]!.d - (want.find((w) => w.id === got[i]!.id)?.d ?? NaN)) > 1e-5) return [`${what}: hit ${i} is ${got[i]!.id}, oracle ${want[i]!.id}`];
  }
  const ids = new Set(got.map((h) => h.id));
  if (ids.size !== got.length) return [`${what}: a hit returned twice`];
  return [];
}

export async function searchIteratorScenario(db: VesperClient, seed: number, name: string, opts: { rows?: number; hnsw?: boolean } = {}): Promise<string[]> {
  const rng = new Random(seed);
  const n = opts.rows ?? 1200;
  const fail = (list: string[]) => list.map((f) => `seed ${seed}: ${f}`);
  // a fifth of the rows share one of five vectors: exact ties at every distance they have
  const shared = Array.from({ length: 5 }, () => Array.from({ length: DIM }, () => Math.fround(rng.next() * 2 - 1)));
  const items: Item[] = Array.from({ length: n }, (_, i) => ({
    id: i * 3 + 1,
    g: rng.int(4),
    v: i % 5 === 0 ? shared[rng.int(5)]! : Array.from({ length: DIM }, () => Math.fround(rng.next() * 2 - 1)),
  }));
  const failures: string[] = [];
  for (const metric of ['L2', 'IP'] as const) {
    const c = `${name}_${metric.toLowerCase()}`;
    await db.createCollection({
      collection_name: c,
      shards_num: 2,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'g', data_type: DataType.Int32 },
        { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      ],
      index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: metric }],
    } as never);
    await db.loadCollection({ collection_name: c });
    const rows = items.map((it) => ({ id: it.id, g: it.g, v: it.v }));
    await db.insert({ collection_name: c, data: rows.slice(0, n / 2) });
    await db.flush({ collection_names: [c] });
    await db.insert({ collection_name: c, data: rows.slice(n / 2) });
    const q = shared[0]!.map((x) => Math.fround(x + 0.01));

    const all = await drain(await db.searchIterator({ collection_name: c, data: [q], batchSize: 97, consistency_level: 'Strong' }));
    failures.push(...fail(same(`${metric} every hit`, all.hits, exact(items, q, metric))));
    if (all.sizes.slice(0, -1).some((s) => s !== 97)) failures.push(`seed ${seed}: ${metric} page sizes ${all.sizes.join(',')}`);

    // a filter, a limit and the user's range: the stream is the oracle's prefix inside the range
    const range = metric === 'L2' ? { radius: 6, range_filter: 0.5 } : { radius: -1, range_filter: 2 };
    const inRange = (d: number) => (metric === 'L2' ? d < range.radius && d >= range.range_filter : d > range.radius && d <= range.range_filter);
    const bounded = await drain(await db.searchIterator({ collection_name: c, data: [q], batchSize: 13, limit: 150, filter: 'g != 2', params: range, consistency_level: 'Strong' }));
    failures.push(...fail(same(`${metric} filter+range+limit`, bounded.hits, exact(items, q, metric, (it, d) => it.g !== 2 && inRange(d)).slice(0, 150))));

    // writes while iterating: a row at the query itself, deletes of rows still ahead — none show
    const before = exact(items, q, metric).slice(0, 300);
    const during = await drain(await db.searchIterator({ collection_name: c, data: [q], batchSize: 50, limit: 300, consistency_level: 'Strong' }), async (page) => {
      await db.insert({ collection_name: c, data: [{ id: 10_000_000 + page, g: 0, v: q }] });
      await db.delete({ collection_name: c, ids: [before[before.length - page]!.id] });
    });
    failures.push(...fail(same(`${metric} writes while iterating`, during.hits, before)));
  }
  if (opts.hnsw) failures.push(...(await hnswRecall(db, seed, `${name}_hnsw`, rng)));
  return failures;
}

/** HNSW: each page against the exact page at the same positions (recall >= 0.85 per page). */
async function hnswRecall(db: VesperClient, seed: number, c: string, rng: Random): Promise<string[]> {
  const items: Item[] = Array.from({ length: 3000 }, (_, i) => ({ id: i, g: 0, v: Array.from({ length: DIM }, () => Math.fround(rng.next() * 2 - 1)) }));
  await db.createCollection({
    collection_name: c,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'g', data_type: DataType.Int32 },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    ],
    index_params: [{ field_name: 'v', index_type: 'HNSW', metric_type: 'L2', params: { M: 16, efConstruction: 100 } }],
  } as never);
  await db.loadCollection({ collection_name: c });
  await db.insert({ collection_name: c, data: items });
  await db.flush({ collection_names: [c] });
  const q = Array.from({ length: DIM }, () => Math.fround(rng.next() * 2 - 1));
  const want = exact(items, q, 'L2');
  const got = await drain(await db.searchIterator({ collection_name: c, data: [q], batchSize: 100, limit: 500, params: { ef: 200 }, consistency_level: 'Strong' }));
  const out: string[] = [];
  if (new Set(got.hits.map((h) => h.id)).size !== got.hits.length) out.push(`seed ${seed}: HNSW returned a hit twice`);
  for (let p = 0; p * 100 < got.hits.length; p++) {
    const page = new Set(got.hits.slice(p * 100, p * 100 + 100).map((h) => h.id));
    const ideal = want.slice(p * 100, p * 100 + 100);
    const recall = ideal.filter((h) => page.has(h.id)).length / ideal.length;
    if (recall < 0.85) out.push(`seed ${seed}: HNSW page ${p} recall ${recall.toFixed(2)}`);
  }
  if (got.hits.length < 400) out.push(`seed ${seed}: HNSW iterator stopped after ${got.hits.length} of 500 hits`);
  return out;
}
