/**
 * The local replica in Chromium (issue "Local replicas", the browser figures): the same server
 * collection as bench/suites/replica.ts (the Vesper Worker on local workerd, one shard, HNSW
 * M=16 efConstruction=200, COSINE, 384-d rows tiled from arxiv-gte-small-1k; bench/lib/
 * replica-server.ts), replicated from a Chromium page into `opfs://` with `@vesper/browser`'s
 * `openDatabase(url, { replicaOf })`. Measures:
 * - initial sync: bytes of files copied (`replicaStatus()[0].bytes`) / wall time of the first
 *   open in a fresh page (worker start, the files fetched over HTTP and written to OPFS, the
 *   indexes opened), target ≥ 100 MB/s (MB = 10^6 bytes); twice, into new OPFS names;
 * - a reopen of the synced replica in a fresh page (no file fetched again);
 * - search: the same 200 queries (k=10, the same ef) on the replica and on a local `opfs://`
 *   twin in the same page — its rows copied out of the replica by queries over id ranges (a
 *   replica reads at its synced timestamp and refuses an iterator's snapshot_ts with a coded
 *   error), sealed at the shard leader's 24 MiB like the server, the same index params —
 *   interleaved one query at a time; p50 / p95 and the replica/local ratio (target: equal).
 *
 * Options: `--replica-rows=N` (default 20,000; the issue's figure is 100,000), `--replica-ef=N`
 * (default 64), `--replica-seed=N` (default 20261207).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, benchPagePlugin, openBenchBrowser } from '../lib/bench-page.ts';
import { DIM, percentile, replicaData } from '../lib/replica-data.ts';
import { HNSW, fillServerCollection } from '../lib/replica-server.ts';
import { startSnapshotWorker } from '../lib/snapshot-worker.ts';

const PORT = 47_330;
const K = 10;
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The page's module: one replica and one local twin kept across calls of a page. */
const PAGE_MODULE = `
import kernels from '@vesper/core/kernels.wasm?url';
import { openDatabase } from '/packages/browser/src/index.ts';
import { DEFAULT_SEAL_POLICY } from '/packages/core/src/segments/seal-policy.ts';

const K = ${K};
const HNSW = ${JSON.stringify(HNSW)};
let replica;
let local;

async function timed(db, q, ef) {
  const t0 = performance.now();
  const res = await db.search({ collection_name: 'bench', data: q, limit: K, params: { ef }, consistency_level: 'Eventually' });
  return { ms: performance.now() - t0, ids: res.results.map((h) => Number(h.id)) };
}

window.bench = {
  async open(url, name) {
    const t0 = performance.now();
    // no polling during the benchmark: the first open syncs, nothing changes on the server after
    replica = await openDatabase('opfs://' + name, { kernels, replicaOf: { url, token: 'root:Milvus', collections: ['bench'], pollIntervalMs: 3600000 } });
    const ms = performance.now() - t0;
    const [st] = await replica.replicaStatus();
    const count = (await replica.count({ collection_name: 'bench', consistency_level: 'Eventually' })).data;
    return { ms, bytes: st.bytes, count };
  },
  async twin(name) {
    local = await openDatabase('opfs://' + name, { kernels, engine: { sealPolicy: { ...DEFAULT_SEAL_POLICY, maxBytes: 24 * 1024 * 1024 } } });
    await local.createCollection({ collection_name: 'bench', dimension: ${DIM}, metric_type: 'COSINE', shards_num: 1, index_params: [{ field_name: 'vector', index_type: 'HNSW', metric_type: 'COSINE', params: HNSW }] });
    const t0 = performance.now();
    let rows = 0;
    const total = (await replica.count({ collection_name: 'bench', consistency_level: 'Eventually' })).data;
    for (let from = 0; rows < total; from += 1000) {
      const batch = (await replica.query({ collection_name: 'bench', filter: 'id >= ' + from + ' and id < ' + (from + 1000), output_fields: ['id', 'vector'], limit: 1000, consistency_level: 'Eventually' })).data;
      if (batch.length > 0) await local.insert({ collection_name: 'bench', data: batch });
      rows += batch.length;
    }
    await local.flush({ collection_names: ['bench'] });
    for (;;) {
      const d = (await local.describeIndex({ collection_name: 'bench' })).index_descriptions[0];
      if (Number(d.indexed_rows) >= rows && Number(d.pending_index_rows) === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return { rows, ms: performance.now() - t0 };
  },
  async compare(queries, ef) {
    const qs = queries.map((q) => Float32Array.from(q));
    for (const q of qs.slice(0, 20)) { await timed(replica, q, ef); await timed(local, q, ef); }
    const tr = [];
    const tl = [];
    let same = 0;
    for (const [i, q] of qs.entries()) {
      const rFirst = i % 2 === 0;
      const a = await timed(rFirst ? replica : local, q, ef);
      const b = await timed(rFirst ? local : replica, q, ef);
      tr.push(rFirst ? a.ms : b.ms);
      tl.push(rFirst ? b.ms : a.ms);
      const other = new Set(b.ids);
      same += a.ids.filter((id) => other.has(id)).length;
    }
    return { tr: tr.sort((x, y) => x - y), tl: tl.sort((x, y) => x - y), overlap: same / (qs.length * K) };
  },
  async close() {
    await replica?.close();
    await local?.close();
  },
};
`;

function arg(argv: string[], name: string, fallback: number): number {
  const n = Number(argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
const verdict = (ok: boolean, miss: string): string => (ok ? 'met' : `**missed** ${miss}`);

export default async function replicaBrowserBench(argv: string[]): Promise<string> {
  if (!existsSync(CHROMIUM)) return `## Local replicas in Chromium\n\nskipped: ${CHROMIUM} is absent\n`;
  const rows = arg(argv, 'replica-rows', 20_000);
  const ef = arg(argv, 'replica-ef', 64);
  const seed = arg(argv, 'replica-seed', 20261207);
  const log = (s: string) => console.error(`[replica-browser] ${s}`);
  const data = replicaData(rows, seed);
  const worker = await startSnapshotWorker();
  let browser: Awaited<ReturnType<typeof openBenchBrowser>> | undefined;
  try {
    const { ingestS, serverS } = await fillServerCollection(worker.endpoint, data, rows);
    log(`server: ${rows.toLocaleString('en')} rows ingested in ${ingestS.toFixed(1)} s, index Finished after ${serverS.toFixed(1)} s`);
    browser = await openBenchBrowser({
      label: 'replica-browser',
      plugin: benchPagePlugin('vesper-replica-bench', '/replica.html', 'vesper replica bench', PAGE_MODULE),
      port: PORT,
      profile: 'vesper-replica-bench-profile',
      rebuild: true,
      root,
    });
    const { context, port } = browser;
    type Bench = Record<string, (...a: unknown[]) => Promise<unknown>>;
    const page = async () => {
      const p = await context.newPage();
      p.setDefaultTimeout(0);
      await p.goto(`http://127.0.0.1:${port}/replica.html`);
      await p.waitForFunction(() => (globalThis as unknown as { bench?: unknown }).bench !== undefined, undefined, { timeout: 120_000 });
      return p;
    };
    const call = <T>(p: Awaited<ReturnType<typeof page>>, name: string, ...args: unknown[]): Promise<T> =>
      p.evaluate(([n, a]) => ((globalThis as unknown as { bench: Bench }).bench[n as string]!)(...(a as unknown[])), [name, args] as const) as Promise<T>;

    type Opened = { ms: number; bytes: number; count: number };
    const first: Opened[] = [];
    for (let i = 0; i < 2; i++) {
      const p = await page();
      const o = await call<Opened>(p, 'open', worker.endpoint, `replica-${i}`);
      log(`initial sync ${i + 1}: ${mb(o.bytes)} MB in ${o.ms.toFixed(0)} ms (${(o.bytes / 1e3 / o.ms).toFixed(1)} MB/s), ${o.count} rows`);
      first.push(o);
      await call(p, 'close');
      await p.close();
    }
    const p = await page();
    const reopened = await call<Opened>(p, 'open', worker.endpoint, 'replica-1');
    log(`reopen: ${reopened.ms.toFixed(0)} ms, ${mb(reopened.bytes)} MB held`);
    const twin = await call<{ rows: number; ms: number }>(p, 'twin', 'twin');
    log(`local twin: ${twin.rows} rows copied and indexed in ${(twin.ms / 1000).toFixed(1)} s`);
    const cmp = await call<{ tr: number[]; tl: number[]; overlap: number }>(p, 'compare', data.queries.map((q) => Array.from(q)), ef);
    await call(p, 'close');
    await p.close();

    const best = [...first].sort((a, b) => b.bytes / b.ms - a.bytes / a.ms)[0]!;
    const rate = best.bytes / 1e3 / best.ms;
    const ratio = percentile(cmp.tr, 50) / percentile(cmp.tl, 50);
    return [
      '## Local replicas in Chromium',
      '',
      `Chromium (system ${CHROMIUM}, headless), page served by Vite on 127.0.0.1; server: the Vesper Worker on local workerd (bench/lib/snapshot-worker.ts), 1 shard, ${rows.toLocaleString('en')} × ${DIM}-d (arxiv-gte-small-1k tiled with noise, seed ${seed}), COSINE, HNSW M=${HNSW.M} efConstruction=${HNSW.efConstruction}, ingested in ${ingestS.toFixed(1)} s, index Finished after ${serverS.toFixed(1)} s. Replica: \`openDatabase('opfs://…', { replicaOf })\` in a fresh page. Command: \`npm run bench -- replica-browser\` (\`--replica-rows=N --replica-ef=N --replica-seed=N\`).`,
      '',
      '| measure | target | result | verdict |',
      '|---|---|---|---|',
      `| initial sync into OPFS: files copied / wall time of the first open (best of 2) | ≥ 100 MB/s | ${rate.toFixed(1)} MB/s (${mb(best.bytes)} MB in ${best.ms.toFixed(0)} ms; runs ${first.map((o) => `${o.ms.toFixed(0)} ms`).join(', ')}) | ${verdict(rate >= 100, `by ${(100 - rate).toFixed(1)} MB/s`)} |`,
      `| reopen of the synced replica in a fresh page | — | ${reopened.ms.toFixed(0)} ms, ${reopened.count} rows | |`,
      `| search k=${K}, ef=${ef}, ${cmp.tr.length} queries interleaved: replica p50 / p95 | equal to local | ${percentile(cmp.tr, 50).toFixed(3)} / ${percentile(cmp.tr, 95).toFixed(3)} ms | |`,
      `| local \`opfs://\` twin p50 / p95 | — | ${percentile(cmp.tl, 50).toFixed(3)} / ${percentile(cmp.tl, 95).toFixed(3)} ms | |`,
      `| replica / local p50 (top-${K} ids in common: ${(cmp.overlap * 100).toFixed(1)}%) | 1.00 | ${ratio.toFixed(2)}× | ${verdict(ratio <= 1.1, `(${ratio.toFixed(2)}×)`)} |`,
      '',
    ].join('\n');
  } finally {
    await browser?.close();
    await worker.dispose();
  }
}
