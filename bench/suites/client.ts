/**
 * The client path (issue "One read pipeline"): what one call through the public `VesperClient`
 * costs in-process, and how HNSW through the client compares with the raw index and with
 * hnswlib-node in the same run.
 *
 * - Fixed cost: median µs per call of `search` on a 1-row collection and `get` of one id
 *   (memory://, sequential awaits), over batches after a warm-up. Targets: < 8 µs and < 4 µs.
 * - ANN: a clustered set with held-out queries; the same rows in one sealed, HNSW-indexed
 *   segment (M=16, efConstruction=200) searched through `VesperClient.search` one query per
 *   call, vs the raw `HnswIndex` and hnswlib-node built with the same parameters. QPS at
 *   recall@10 ≥ 0.90 / 0.95 / 0.99 (best over the ef sweep). Targets (≥ 0.95): client ≥ 1.0×
 *   hnswlib-node at 20k×128 and 100k×128, ≥ 1.5× at 100k×384.
 *
 * Flags: --client-sets=20000x128,100000x128,100000x384 (default: all three; the 100k builds
 * take minutes), --client-quick (20k×128 only), --fixed-only.
 */
import { VesperClient } from '../../packages/core/src/client/vesper-client.ts';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { FloatVectorColumn } from '../../packages/core/src/schema/columns.ts';
import { loadKernelsNode } from '../../packages/core/src/node/kernels.ts';
import { getIndexFactory } from '../../packages/core/src/index/index.ts';
import { EFS, K, TARGETS, fmt, generated, hnswlibNode, ratio, sweep, type Dataset, type Row } from '../lib/ann.ts';

const HNSW = { M: 16, efConstruction: 200 };
const ONE_SEGMENT = { maxRows: 1 << 30, maxBytes: 2 ** 40, maxAgeMs: 2 ** 40, compactBelowRows: 0, compactDeletedRatio: 1 };

function log(msg: string): void {
  console.error(`[bench:client] ${msg}`);
}

/** Median over `batches` of the mean µs per call in a batch of `per` sequential calls. */
async function perCall(f: () => Promise<unknown>, batches = 15, per = 2000): Promise<number> {
  for (let i = 0; i < per; i++) await f(); // warm-up
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) await f();
    samples.push(((performance.now() - t0) * 1000) / per);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1]!;
}

async function fixedCost(): Promise<string[]> {
  const db = await VesperClient.open({ storage: 'memory://' });
  await db.createCollection({ collection_name: 'one', dimension: 4, metric_type: 'L2' });
  await db.insert({ collection_name: 'one', data: [{ id: 1, vector: [0.1, 0.2, 0.3, 0.4] }] });
  const q = [0.1, 0.2, 0.3, 0.4];
  const search = await perCall(() => db.search({ collection_name: 'one', data: q, limit: 1 }));
  const get = await perCall(() => db.get({ collection_name: 'one', ids: [1] }));
  const searchF = await perCall(() => db.search({ collection_name: 'one', data: q, limit: 1, filter: 'id > 0', output_fields: ['id'] }));
  await db.close();
  const met = (v: number, t: number): string => (v < t ? 'met' : `**missed** by ${(v / t).toFixed(1)}×`);
  return [
    '### Fixed cost per call, in-process (memory://, 1-row collection, growing segment)',
    '',
    '| call | µs per call (median of 15 × 2,000) | target |',
    '|---|---:|---|',
    `| \`search\` (limit 1) | ${search.toFixed(1)} | < 8 µs (${met(search, 8)}) |`,
    `| \`search\` with \`filter: 'id > 0'\` and output_fields | ${searchF.toFixed(1)} | — |`,
    `| \`get\` of one id | ${get.toFixed(1)} | < 4 µs (${met(get, 4)}) |`,
    '',
  ];
}

/** The rows in one sealed HNSW segment behind `VesperClient`, one query per call. */
async function viaClient(d: Dataset): Promise<Row> {
  const db = await VesperClient.open({ storage: 'memory://', sealPolicy: ONE_SEGMENT });
  await db.createCollection({
    collection_name: 'ann',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vector', data_type: DataType.FloatVector, dim: d.dim },
    ],
    index_params: [{ field_name: 'vector', index_type: 'HNSW', metric_type: d.metric, params: HNSW }],
  });
  const t0 = performance.now();
  for (let s = 0; s < d.n; s += 2000) {
    const rows = [];
    for (let i = s; i < Math.min(d.n, s + 2000); i++) rows.push({ id: i, vector: d.base.subarray(i * d.dim, (i + 1) * d.dim) });
    await db.insert({ collection_name: 'ann', data: rows });
  }
  await db.flush({ collection_names: ['ann'] });
  for (;;) {
    const idx = (await db.describeIndex({ collection_name: 'ann' })).index_descriptions[0]!;
    if (Number(idx.indexed_rows) >= d.n && Number(idx.pending_index_rows) === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const buildRate = d.n / ((performance.now() - t0) / 1000);
  let ef = 16;
  const qs = Array.from({ length: d.nq }, (_, i) => d.queries.slice(i * d.dim, (i + 1) * d.dim));
  const r = await sweep(d, {
    search: async (_q, qi) => {
      const res = await db.search({ collection_name: 'ann', data: qs[qi]!, limit: K, params: { ef }, consistency_level: 'Eventually' });
      return (res.results as { id: unknown }[]).map((h) => Number(h.id));
    },
    setEf: (v) => (ef = v),
    bytes: NaN,
  }, EFS);
  await db.close();
  return { system: 'Vesper HNSW via VesperClient', config: JSON.stringify(HNSW), buildRate, bytesPerVec: NaN, ...r };
}

async function raw(d: Dataset): Promise<Row> {
  const col: FloatVectorColumn = { type: DataType.FloatVector, length: d.n, dim: d.dim, data: d.base };
  const t0 = performance.now();
  const idx = await getIndexFactory('HNSW').build(col, d.metric, HNSW);
  const buildRate = d.n / ((performance.now() - t0) / 1000);
  let p: Record<string, unknown> = {};
  const r = await sweep(d, { search: (q, qi) => idx.search(q.subarray(qi * d.dim, (qi + 1) * d.dim), 1, K, { params: p }).rows, setEf: (v) => (p = { ef: v }), bytes: idx.bytesUsed() }, EFS);
  const bytes = idx.bytesUsed();
  idx.dispose?.();
  return { system: 'Vesper HNSW, raw index', config: JSON.stringify(HNSW), buildRate, bytesPerVec: bytes / d.n, ...r };
}

export default async function run(argv: string[]): Promise<string> {
  await loadKernelsNode();
  const out: string[] = ['## Client path', '', `node ${process.version}, ${new Date().toISOString()}, single-threaded, k=${K}. Ratios are to hnswlib-node in this run.`, ''];
  log('fixed cost');
  out.push(...(await fixedCost()));
  if (argv.includes('--fixed-only')) return out.join('\n');
  const setsArg = argv.find((a) => a.startsWith('--client-sets='))?.slice('--client-sets='.length);
  const sets = (argv.includes('--client-quick') ? '20000x128' : setsArg ?? '20000x128,100000x128,100000x384').split(',').map((s) => s.split('x').map(Number) as [number, number]);
  const sweeps: string[] = [];
  for (const [n, dim] of sets) {
    const d = generated(n, dim, dim === 384 ? 5678 : 1234 + n);
    log(d.name);
    const rows = [await hnswlibNode(d, HNSW.M, HNSW.efConstruction), await raw(d), await viaClient(d)];
    const ref = rows[0]!;
    const target = dim >= 384 ? 1.5 : 1.0;
    out.push(`### ${d.name} (${d.metric}, ${d.nq} held-out queries); target: client ≥ ${target.toFixed(1)}× hnswlib-node at recall ≥ 0.95`, '');
    out.push('| system | build vec/s | QPS@0.90 | ×node | QPS@0.95 | ×node | QPS@0.99 | ×node |', '|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      out.push(`| ${r.system} | ${fmt(r.buildRate)} | ${TARGETS.map((t) => `${fmt(r.qps[t])} | ${ratio(r.qps[t], ref.qps[t])}`).join(' | ')} |`);
      sweeps.push(`- ${d.name} / ${r.system}: ${r.sweep}`);
    }
    const c = rows[2]!.qps[0.95];
    const h = ref.qps[0.95];
    out.push('', c !== undefined && h !== undefined ? `Client at 0.95: ${(c / h).toFixed(2)}× hnswlib-node (target ${target.toFixed(1)}×: ${c / h >= target ? 'met' : '**missed**'}).` : 'Recall 0.95 not reached by one of the systems.', '');
  }
  out.push('<details><summary>sweeps (ef:recall@QPS)</summary>', '', ...sweeps, '', '</details>', '');
  return out.join('\n');
}
