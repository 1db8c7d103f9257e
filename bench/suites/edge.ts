/**
 * Edge benchmark (issue 6): the Vesper Worker on local workerd, driven over HTTP like a client
 * would. The Worker is bundled exactly as `wrangler deploy` bundles it (`--dry-run`) and served
 * by Miniflare straight from workerd's socket (in-memory DO storage and R2) — not through
 * `wrangler dev`'s reload proxy, which adds a second workerd and ~3 ms to every request. One
 * collection with 4 shards (`--edge-shards=N`; a ShardLeader DO each, their sealed segments on QueryNode DOs),
 * 128-d float vectors drawn around 1,024 random centres (clustered like real embeddings;
 * uniform random vectors in 128-d are a worst case no ANN index handles well), HNSW M=16
 * efConstruction=100. Measures:
 * - ingest through `entities/insert`, batches of 1,000, 4 requests in flight;
 * - after flush and index builds: search latency p50/p99 at k=10 (one request at a time,
 *   Bounded consistency, held-out query vectors) and recall@10 against exact search computed
 *   here in Node, at each search ef of `--ef` (the usual way to read an ANN index: latency at
 *   the ef that reaches the recall target);
 * - `GET /health` p50, the floor every request pays on this machine (HTTP over loopback);
 * - the Durable Object calls one search makes (response header `Vesper-DO-Calls`), and from
 *   them the query nodes the leaders use: a warm search calls the coordinator once, each leader
 *   once and each of their query nodes once (docs/capacity.md, "Cost of one search"), so nodes
 *   = calls − 1 − shards; with the sealed rows of `indexes/describe`, the rows a node holds.
 *
 * Local workerd runs every DO of the Worker on one thread, so a search's latency here is the
 * sum of the work of every DO it touches; on Cloudflare the query nodes run in parallel.
 *
 * Options: `--edge-rows=N` (default 100,000), `--edge-shards=N` (default 4), `--ef=A,B,..` (HNSW ef at search, default
 * 16,32,64), `--searches=N` per ef (default 300), `--recall-queries=N` (default 50),
 * `--ingest-only` (stop after the ingest figure), `--edge-index=IVF_PQ` (IVF_PQ nlist 128, m 16,
 * nbits 8 instead of HNSW; `--ef` then lists the nprobe values, refine_k 4: the disk-resident
 * index, whose query nodes hold codes and read re-rank rows from R2 by range).
 */
import { startSnapshotWorker } from '../lib/snapshot-worker.ts';

const DIM = 128;
const BATCH = 1_000;
const IN_FLIGHT = 4;
const CENTRES = 1024;

function arg(argv: string[], name: string, fallback: number): number {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  const n = hit ? Number(hit.split('=')[1]) : NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function xorshift(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const centres: Float32Array[] = Array.from({ length: CENTRES }, (_, c) => {
  const r = xorshift(1_000_003 + c);
  return Float32Array.from({ length: DIM }, () => r() * 2 - 1);
});

/** Vector `id`: a centre plus noise (ids < 0 are held-out queries). */
function vector(id: number): Float32Array {
  const r = xorshift(id < 0 ? 7_000_000 - id : id);
  const c = centres[Math.floor(r() * CENTRES)]!;
  const v = new Float32Array(DIM);
  for (let d = 0; d < DIM; d++) v[d] = c[d]! + (r() * 2 - 1) * 0.35;
  return v;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Exact top-k ids of every query, in one pass over the data (each vector generated once). */
function exactTops(rows: number, queries: Float32Array[], k: number): number[][] {
  const best = queries.map(() => [] as { id: number; d: number }[]);
  for (let id = 1; id <= rows; id++) {
    const v = vector(id);
    queries.forEach((q, qi) => {
      let d = 0;
      for (let i = 0; i < DIM; i++) {
        const x = v[i]! - q[i]!;
        d += x * x;
      }
      const b = best[qi]!;
      if (b.length < k || d < b[b.length - 1]!.d) {
        b.push({ id, d });
        b.sort((x, y) => x.d - y.d);
        if (b.length > k) b.pop();
      }
    });
  }
  return best.map((b) => b.map((x) => x.id));
}

export default async function edge(argv: string[]): Promise<string> {
  const rows = arg(argv, 'edge-rows', 100_000);
  const shards = arg(argv, 'edge-shards', 4);
  const efHit = argv.find((a) => a.startsWith('--ef='));
  const efs = efHit ? efHit.slice(5).split(',').map(Number).filter((n) => n > 0) : [16, 32, 64];
  const searches = arg(argv, 'searches', 300);
  const recallQueries = arg(argv, 'recall-queries', 50);
  const ingestOnly = argv.includes('--ingest-only');
  const pq = argv.includes('--edge-index=IVF_PQ');
  const indexName = pq ? 'IVF_PQ nlist=128 m=16 nbits=8 (refine_k 4)' : 'HNSW M=16 efConstruction=100';
  const knob = pq ? 'nprobe' : 'ef';
  // Bodies are serialized before the server starts (at 1M this takes minutes, long enough for
  // an idle keep-alive connection to be dropped) and before the clock starts: we measure the
  // server, not JSON.stringify here.
  const batches: string[] = [];
  for (let b = 0; b * BATCH < rows; b++) {
    const n = Math.min(BATCH, rows - b * BATCH);
    batches.push(JSON.stringify({ collectionName: 'bench', data: Array.from({ length: n }, (_, i) => ({ id: b * BATCH + i + 1, vector: Array.from(vector(b * BATCH + i + 1)) })) }));
  }
  // Exact answers too, before the server starts (a connection idle for the minute this takes at
  // 1M is dropped by the server).
  const recallVectors = Array.from({ length: recallQueries }, (_, q) => vector(-100 - q));
  const truth = ingestOnly ? [] : exactTops(rows, recallVectors, 10);
  const worker = await startSnapshotWorker();
  try {
    const base = worker.endpoint;
    /** Durable Object calls the last request made (response header Vesper-DO-Calls). */
    let lastCalls = NaN;
    /**
     * Local workerd runs the Worker and every DO on one thread. While that thread is busy for
     * seconds (index builds, a flush), the HTTP server can close a keep-alive connection the
     * client has already written its next request to (its idle timeout fires when the thread
     * comes back), and the request fails with "other side closed" / EPIPE without an answer.
     * Such a request was never read by the Worker; it is sent again once and counted.
     */
    let resent = 0;
    const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      try {
        return await postOnce(path, body);
      } catch (e) {
        const code = ((e as { cause?: { code?: string } }).cause ?? {}).code;
        if (!(e instanceof TypeError) || !['UND_ERR_SOCKET', 'EPIPE', 'ECONNRESET'].includes(code ?? '')) throw e;
        resent++;
        console.error(`[edge] ${path}: connection closed without an answer (${code}); sending it again`);
        return postOnce(path, body);
      }
    };
    const postOnce = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${base}/v2/vectordb/${path}`, { method: 'POST', headers: { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      lastCalls = Number(res.headers.get('Vesper-DO-Calls') ?? NaN);
      const json = (await res.json()) as Record<string, unknown>;
      if (json['code'] !== 0) throw new Error(`${path}: ${JSON.stringify(json).slice(0, 200)}`);
      return json;
    };
    await post('collections/create', {
      collectionName: 'bench',
      dimension: DIM,
      metricType: 'L2',
      params: { shardsNum: shards },
      indexParams: [{ fieldName: 'vector', metricType: 'L2', params: pq ? { index_type: 'IVF_PQ', nlist: 128, m: 16, nbits: 8 } : { index_type: 'HNSW', M: 16, efConstruction: 100 } }],
    });

    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < batches.length) await post('entities/insert', batches[next++]);
      }),
    );
    const ingestS = (performance.now() - t0) / 1000;
    console.error(`[edge] ingest ${Math.round(rows / ingestS)} vectors/s (${ingestS.toFixed(1)} s)`);
    if (ingestOnly) return `## Edge (ingest only)\n\n| HTTP ingest, ${rows.toLocaleString('en')} × ${DIM}-d, batches of ${BATCH}, ${IN_FLIGHT} in flight | ${Math.round(rows / ingestS).toLocaleString('en')} vectors/s |\n|---|---|\n`;
    batches.length = 0;

    const t1 = performance.now();
    await post('collections/flush', { collectionName: 'bench' });
    let sealedRows = 0;
    for (;;) {
      const res = await post('indexes/describe', { collectionName: 'bench', indexName: 'vector' });
      const d = (res['data'] as { indexState: string; pendingRows: number; totalRows: number }[])[0]!;
      sealedRows = Number(d.totalRows);
      if (d.indexState === 'Finished' && Number(d.pendingRows) === 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const indexS = (performance.now() - t1) / 1000;
    console.error(`[edge] flush + index builds ${indexS.toFixed(1)} s`);

    const searchBody = (q: Float32Array, ef: number) => ({ collectionName: 'bench', data: [Array.from(q)], limit: 10, consistencyLevel: 'Bounded', searchParams: { params: pq ? { nprobe: ef, refine_k: 4 } : { ef } } });
    // Warm-up: query nodes load their segments and index files from R2 on first use.
    const t2 = performance.now();
    await post('entities/search', searchBody(vector(-1), efs[0]!));
    const firstMs = performance.now() - t2;
    for (let q = 0; q < 20; q++) await post('entities/search', searchBody(vector(-2 - q), efs[0]!));

    const health: number[] = [];
    for (let q = 0; q < 200; q++) {
      const s = performance.now();
      await (await fetch(`${base}/health`)).text();
      health.push(performance.now() - s);
    }
    health.sort((a, b) => a - b);

    const perEf: { ef: number; p50: number; p99: number; recall: number }[] = [];
    const doCalls: number[] = [];
    for (const ef of efs) {
      const times: number[] = [];
      for (let q = 0; q < searches; q++) {
        const s = performance.now();
        await post('entities/search', searchBody(vector(-1000 - q), ef));
        times.push(performance.now() - s);
        doCalls.push(lastCalls);
      }
      times.sort((a, b) => a - b);
      let found = 0;
      for (let q = 0; q < recallQueries; q++) {
        const res = await post('entities/search', searchBody(recallVectors[q]!, ef));
        const got = new Set((res['data'] as { id: unknown }[]).map((h) => Number(h.id)));
        for (const id of truth[q]!) if (got.has(id)) found++;
      }
      perEf.push({ ef, p50: pct(times, 50), p99: pct(times, 99), recall: found / (recallQueries * 10) });
      console.error(`[edge] ef=${ef}: ${JSON.stringify(perEf[perEf.length - 1])}`);
    }
    const medianCalls = [...doCalls].sort((a, b) => a - b)[doCalls.length >> 1]!;
    // a warm search: the coordinator once, each leader once, each of their query nodes once
    const nodes = medianCalls - 1 - shards;
    console.error(`[edge] ${nodes} query nodes over ${shards} leaders, ${sealedRows} sealed rows`);
    return [
      '## Edge',
      '',
      `Local workerd (the deploy bundle served by Miniflare, in-memory DO storage + R2), node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
      `One collection, ${shards} shard${shards === 1 ? '' : 's'} (ShardLeader DOs, sealed segments on QueryNode DOs), ${rows.toLocaleString('en')} × ${DIM}-d clustered float vectors (L2), ${indexName}.`,
      '',
      '| measure | value | target |',
      '|---|---|---|',
      `| HTTP ingest, batches of ${BATCH}, ${IN_FLIGHT} in flight | ${Math.round(rows / ingestS).toLocaleString('en')} vectors/s (${ingestS.toFixed(1)} s) | ≥ 20,000 vectors/s |`,
      `| flush + index build until Finished | ${indexS.toFixed(1)} s | — |`,
      `| first search (query nodes load from R2) | ${firstMs.toFixed(0)} ms | — |`,
      `| GET /health p50 (the HTTP floor) | ${pct(health, 50).toFixed(2)} ms | — |`,
      ...perEf.map((r) => `| search k=10, ${knob}=${r.ef}: p50 / p99 (${searches} sequential) · recall@10 (${recallQueries} queries) | ${r.p50.toFixed(1)} / ${r.p99.toFixed(1)} ms · ${r.recall.toFixed(3)} | < 10 / < 30 ms · ≥ 0.95 |`),
      `| requests sent again after the local runtime closed their connection unanswered (see the suite's comment) | ${resent} | 0 |`,
      `| Durable Object calls per search (header Vesper-DO-Calls: coordinator + leaders + query nodes), min / median / max | ${Math.min(...doCalls)} / ${medianCalls} / ${Math.max(...doCalls)} | — |`,
      `| query nodes per leader (median calls − 1 − ${shards} leaders, over ${shards} leaders) · sealed rows per node | ${(nodes / shards).toFixed(nodes % shards === 0 ? 0 : 2)} · ${nodes > 0 ? Math.round(sealedRows / nodes).toLocaleString('en') : '—'} | — |`,
      '',
    ].join('\n');
  } finally {
    await worker.dispose();
  }
}
