/**
 * Full-text search (BM25 function) as one scenario for every way of running the engine: a
 * seeded corpus is written the same way (inserts, upserts, deletes, flushes between batches,
 * two partitions) and each search is checked against a naive BM25 evaluator written from the
 * formula, over token strings (not term hashes), with the collection-wide statistics of the
 * rows alive at the end. Works on anything with VesperClient's method shapes (`TextDb`).
 */
import { Random } from '../../packages/core/src/util/random.ts';
import { createAnalyzer } from '../../packages/core/src/text/index.ts';

/** The VesperClient calls the scenario makes (the edge's SDK adapter provides the same). */
export interface TextDb {
  createCollection(req: Record<string, unknown>): Promise<unknown>;
  createPartition(req: Record<string, unknown>): Promise<unknown>;
  createIndex(req: Record<string, unknown>): Promise<unknown>;
  loadCollection(req: Record<string, unknown>): Promise<unknown>;
  insert(req: Record<string, unknown>): Promise<unknown>;
  upsert(req: Record<string, unknown>): Promise<unknown>;
  delete(req: Record<string, unknown>): Promise<unknown>;
  flush(req: Record<string, unknown>): Promise<unknown>;
  search(req: Record<string, unknown>): Promise<{ results: unknown }>;
}

export interface Doc {
  id: number;
  text: string;
  tag: number;
  part: 'p0' | 'p1';
}

const VOCAB = (
  'vector database search index graph query filter segment shard partition token score rank ' +
  'browser edge worker storage memory disk cache latency recall precision model embedding text ' +
  'the a of and to in is for on with'
).split(' ');

/** Seeded documents: Zipf-ish word choice so document frequencies spread out. */
export function corpus(seed: number, n: number): Doc[] {
  const rng = new Random(seed);
  const pick = (): string => VOCAB[Math.floor(VOCAB.length * rng.next() ** 2)]!;
  return Array.from({ length: n }, (_, id) => {
    const len = 1 + Math.floor(rng.next() * 24);
    const words = Array.from({ length: len }, () => (rng.next() < 0.1 ? pick().toUpperCase() : pick()));
    return { id, text: words.join(rng.next() < 0.2 ? ', ' : ' '), tag: id % 5, part: rng.next() < 0.5 ? 'p0' : 'p1' };
  });
}

export const QUERIES = ['vector search', 'graph index latency', 'the browser', 'recall precision recall', 'nothing-matches-this', 'EDGE worker storage cache'];

export const schema = (name: string, shards: number): Record<string, unknown> => ({
  collection_name: name,
  shards_num: shards,
  fields: [
    { name: 'id', data_type: 'Int64', is_primary_key: true },
    { name: 'text', data_type: 'VarChar', max_length: 2000, enable_analyzer: true, enable_match: true, analyzer_params: { type: 'english' } },
    { name: 'tag', data_type: 'Int64' },
    { name: 'sparse', data_type: 'SparseFloatVector' },
    { name: 'dense', data_type: 'FloatVector', dim: 4 },
  ],
  functions: [{ name: 'text_bm25', type: 'BM25', input_field_names: ['text'], output_field_names: ['sparse'], params: {} }],
});

const dense = (id: number): number[] => [Math.sin(id), Math.cos(id), Math.sin(id * 0.5), 1];

/**
 * Writes the corpus: half inserted, flushed, the rest inserted in two batches with a flush
 * between, then every 7th doc deleted and every 11th re-written with a new text (upsert).
 * Returns the documents alive at the end.
 */
export async function writeCorpus(db: TextDb, name: string, docs: readonly Doc[], flushes: boolean): Promise<Doc[]> {
  const row = (d: Doc): Record<string, unknown> => ({ id: d.id, text: d.text, tag: d.tag, dense: dense(d.id) });
  const put = async (batch: readonly Doc[]): Promise<void> => {
    for (const part of ['p0', 'p1'] as const) {
      const rows = batch.filter((d) => d.part === part).map(row);
      if (rows.length > 0) await db.insert({ collection_name: name, partition_name: part, data: rows });
    }
  };
  const third = Math.floor(docs.length / 3);
  await put(docs.slice(0, third));
  if (flushes) await db.flush({ collection_names: [name] });
  await put(docs.slice(third, 2 * third));
  if (flushes) await db.flush({ collection_names: [name] });
  await put(docs.slice(2 * third));
  const alive = new Map(docs.map((d) => [d.id, d]));
  const gone = docs.filter((d) => d.id % 7 === 3).map((d) => d.id);
  await db.delete({ collection_name: name, filter: `id in [${gone.join(',')}]` });
  for (const id of gone) alive.delete(id);
  const rewritten = docs.filter((d) => d.id % 11 === 5 && alive.has(d.id)).map((d) => ({ ...d, text: `${d.text} vector vector edge` }));
  for (const part of ['p0', 'p1'] as const) {
    const rows = rewritten.filter((d) => d.part === part).map(row);
    if (rows.length > 0) await db.upsert({ collection_name: name, partition_name: part, data: rows });
  }
  for (const d of rewritten) alive.set(d.id, d);
  if (flushes) await db.flush({ collection_names: [name] });
  return [...alive.values()];
}

export interface Scored {
  id: number;
  score: number;
}

/** Naive BM25 over token strings (k1 1.2, b 0.75), statistics over all of `docs`, candidates restricted by `keep`. */
export async function oracle(docs: readonly Doc[], query: string, keep: (d: Doc) => boolean, k1 = 1.2, b = 0.75, analyzer: Record<string, unknown> = { type: 'english' }): Promise<Scored[]> {
  const an = await createAnalyzer(analyzer);
  const toks = (t: string): string[] => an.analyze(t).map((x) => x.text);
  const docToks = docs.map((d) => toks(d.text));
  const N = docs.length;
  const avgdl = docToks.reduce((n, t) => n + t.length, 0) / N;
  const qtf = new Map<string, number>();
  for (const t of toks(query)) qtf.set(t, (qtf.get(t) ?? 0) + 1);
  const df = new Map<string, number>();
  for (const t of qtf.keys()) df.set(t, docToks.filter((dt) => dt.includes(t)).length);
  const out: Scored[] = [];
  docs.forEach((d, i) => {
    if (!keep(d)) return;
    const dt = docToks[i]!;
    let s = 0;
    let hit = false;
    for (const [t, q] of qtf) {
      const tf = dt.filter((x) => x === t).length;
      if (tf === 0) continue;
      hit = true;
      const idf = Math.log(1 + (N - df.get(t)! + 0.5) / (df.get(t)! + 0.5));
      s += (q * idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * dt.length) / avgdl));
    }
    if (hit) out.push({ id: d.id, score: s });
  });
  return out.sort((x, y) => y.score - x.score || x.id - y.id);
}

/**
 * Checks an engine answer against the oracle: same scores rank by rank (float32 weights: 1e-4
 * relative), and every returned id scores what the oracle gives it (ties may order either way).
 */
export function compare(got: readonly Scored[], want: readonly Scored[], limit: number): string | undefined {
  const expected = want.slice(0, limit);
  if (got.length !== expected.length) return `got ${got.length} hits, want ${expected.length}`;
  const byId = new Map(want.map((w) => [w.id, w.score]));
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b));
  for (let i = 0; i < got.length; i++) {
    if (!close(got[i]!.score, expected[i]!.score)) return `rank ${i}: score ${got[i]!.score}, want ${expected[i]!.score}`;
    const own = byId.get(got[i]!.id);
    if (own === undefined || !close(got[i]!.score, own)) return `rank ${i}: id ${got[i]!.id} scores ${got[i]!.score}, oracle ${own}`;
  }
  return undefined;
}

/** Creates the collection (two partitions, BM25 index with defaults) and loads it. */
export async function createTextCollection(db: TextDb, name: string, shards: number): Promise<void> {
  await db.createCollection(schema(name, shards));
  await db.createPartition({ collection_name: name, partition_name: 'p0' });
  await db.createPartition({ collection_name: name, partition_name: 'p1' });
  await db.createIndex({ collection_name: name, field_name: 'sparse', index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'BM25', params: { inverted_index_algo: 'DAAT_MAXSCORE' } });
  await db.createIndex({ collection_name: name, field_name: 'dense', index_type: 'FLAT', metric_type: 'L2' });
  await db.loadCollection({ collection_name: name });
}

/** The searches the scenario makes: plain, filtered, one partition (statistics stay collection-wide). */
export const SEARCHES: { name: string; extra: Record<string, unknown>; keep: (d: Doc) => boolean }[] = [
  { name: 'plain', extra: {}, keep: () => true },
  { name: 'filter tag == 2', extra: { filter: 'tag == 2' }, keep: (d) => d.tag === 2 },
  { name: 'partition p1', extra: { partition_names: ['p1'] }, keep: (d) => d.part === 'p1' },
];

export async function textHits(db: TextDb, name: string, query: string, limit: number, extra: Record<string, unknown>): Promise<Scored[]> {
  const res = await db.search({ collection_name: name, anns_field: 'sparse', data: [query], limit, consistency_level: 'Strong', output_fields: ['id'], ...extra });
  const list = (Array.isArray((res.results as unknown[])[0]) ? (res.results as unknown[][])[0] : res.results) as { id: unknown; score: number }[];
  return list.map((h) => ({ id: Number(h.id), score: h.score }));
}

/** text_match / phrase_match filters with an oracle over the english analyzer's tokens (positions kept). */
export interface MatchCase {
  filter: string;
  keep: (d: Doc) => boolean;
}

export async function matchCases(): Promise<MatchCase[]> {
  const an = await createAnalyzer({ type: 'english' });
  const toks = (t: string) => an.analyze(t).map((x) => ({ text: x.text, position: x.position }));
  const anyOf = (q: string, min = 1) => (d: Doc): boolean => {
    const doc = new Set(toks(d.text).map((t) => t.text));
    return new Set(toks(q).map((t) => t.text).filter((t) => doc.has(t))).size >= min;
  };
  // exact phrase: every query term at the same offset from the first as in the query
  const phrase = (q: string) => (d: Doc): boolean => {
    const qt = toks(q);
    const doc = toks(d.text);
    if (qt.length === 0) return false;
    const at = new Set(doc.map((t) => `${t.position}:${t.text}`));
    return doc.some((start) => qt.every((x) => at.has(`${start.position + x.position - qt[0]!.position}:${x.text}`)));
  };
  return [
    { filter: "text_match(text, 'graph latency')", keep: anyOf('graph latency') },
    { filter: "text_match(text, 'VECTORS searching the') and tag != 1", keep: (d) => anyOf('VECTORS searching the')(d) && d.tag !== 1 },
    { filter: "text_match(text, 'vector search index model', minimum_should_match=2)", keep: anyOf('vector search index model', 2) },
    { filter: "phrase_match(text, 'vector search')", keep: phrase('vector search') },
    { filter: "phrase_match(text, 'the search of the index')", keep: phrase('the search of the index') },
    { filter: "not phrase_match(text, 'edge worker', 0)", keep: (d) => !phrase('edge worker')(d) },
  ];
}

export async function matchIds(db: TextDb & { query(req: Record<string, unknown>): Promise<{ data: unknown }> }, name: string, filter: string): Promise<number[]> {
  const res = await db.query({ collection_name: name, filter, output_fields: ['id'], consistency_level: 'Strong', limit: 16384 });
  return (res.data as { id: unknown }[]).map((r) => Number(r.id)).sort((a, b) => a - b);
}
