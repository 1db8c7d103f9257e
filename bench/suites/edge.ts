/**
 * Edge benchmark (issue 6): the Vesper Worker on local workerd (wrangler `unstable_startWorker`,
 * in-memory DO storage and R2), driven over HTTP like a client would. Measures ingest through
 * `entities/insert` into one 4-shard collection (128-d, batches of 1,000, a few requests in
 * flight) and search latency p50/p99 at k=10 (Bounded consistency, one request at a time).
 *
 * Size: `--edge-rows=N` (default 50,000). The target scale is 1M × 128; today a
 * collection lives in one CatalogCoordinator DO (one isolate, 128 MB), so 1M × 128 float32
 * (512 MB of vectors alone) does not fit there — the suite says what it measured.
 */
import { fileURLToPath } from 'node:url';
import { unstable_startWorker } from 'wrangler';

const DIM = 128;
const BATCH = 1_000;
const IN_FLIGHT = 4;
const SEARCHES = 200;

function arg(argv: string[], name: string, fallback: number): number {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  const n = hit ? Number(hit.split('=')[1]) : NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function vector(seed: number): number[] {
  // A cheap deterministic pseudo-random vector (xorshift), clustered enough to be realistic.
  let x = (seed * 2654435761) >>> 0 || 1;
  const v = new Array<number>(DIM);
  for (let d = 0; d < DIM; d++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    v[d] = ((x >>> 0) / 4294967296) * 2 - 1;
  }
  return v;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export default async function edge(argv: string[]): Promise<string> {
  const rows = arg(argv, 'edge-rows', 50_000);
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const worker = await unstable_startWorker({
    config: `${root}/wrangler.toml`,
    bindings: { VESPER_LOCAL_DEV: { type: 'plain_text', value: 'true' } },
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist: false, watch: false, liveReload: false, remote: false, logLevel: 'warn' },
  });
  try {
    await worker.ready;
    const base = (await worker.url).origin;
    const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${base}/v2/vectordb/${path}`, { method: 'POST', headers: { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      if (json['code'] !== 0) throw new Error(`${path}: ${JSON.stringify(json).slice(0, 200)}`);
      return json;
    };
    await post('collections/create', { collectionName: 'bench', dimension: DIM, metricType: 'L2', params: { shardsNum: 4 } });

    // Bodies are built before the clock starts: we measure the server, not JSON.stringify here.
    const batches: unknown[] = [];
    for (let b = 0; b * BATCH < rows; b++) {
      const n = Math.min(BATCH, rows - b * BATCH);
      batches.push({ collectionName: 'bench', data: Array.from({ length: n }, (_, i) => ({ id: b * BATCH + i + 1, vector: vector(b * BATCH + i + 1) })) });
    }
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (next < batches.length) await post('entities/insert', batches[next++]);
    }));
    const ingestS = (performance.now() - t0) / 1000;
    await post('collections/flush', { collectionName: 'bench' });

    const times: number[] = [];
    let top1 = 0;
    for (let q = 0; q < SEARCHES; q++) {
      const id = 1 + ((q * 7919) % rows);
      const s = performance.now();
      const res = await post('entities/search', { collectionName: 'bench', data: [vector(id)], limit: 10, consistencyLevel: 'Bounded' });
      times.push(performance.now() - s);
      if (String((res['data'] as { id: unknown }[])[0]?.id) === String(id)) top1++;
    }
    times.sort((a, b) => a - b);
    return [
      '## Edge',
      '',
      `Local workerd via wrangler unstable_startWorker (in-memory DO storage + R2), node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
      `One collection, 4 shards, ${rows.toLocaleString('en')} × ${DIM}-d float vectors (L2), no vector index (exact search).`,
      '',
      '| measure | value | target |',
      '|---|---|---|',
      `| HTTP ingest, batches of ${BATCH}, ${IN_FLIGHT} in flight | ${Math.round(rows / ingestS).toLocaleString('en')} vectors/s (${ingestS.toFixed(1)} s) | ≥ 20,000 vectors/s |`,
      `| search k=10 p50 (${SEARCHES} queries, sequential) | ${pct(times, 50).toFixed(1)} ms | < 10 ms at 1M |`,
      `| search k=10 p99 | ${pct(times, 99).toFixed(1)} ms | < 30 ms at 1M |`,
      `| exact top-1 of a stored vector | ${top1}/${SEARCHES} | — |`,
      '',
      `Not measured: 1M × 128 (needs the ShardLeader/QueryNode split; one DO holds about 80 MB / 560 B ≈ 150k × ${DIM}-d vectors, docs/capacity.md). The p99 includes the first searches after the flush (segments sealed, caches cold).`,
      '',
    ].join('\n');
  } finally {
    await worker.dispose();
  }
}
