/**
 * Data and small helpers of the local-replica benchmark (bench/suites/replica.ts): 384-d rows
 * tiled from real gte-small embeddings (arxiv-gte-small-1k, 900 base vectors) with seeded
 * Gaussian noise and renormalised, so clusters look like text embeddings at any row count; the
 * 100 held-out query embeddings plus 100 perturbed copies as queries; a REST v2 caller that
 * does not depend on Vitest (test/edge/rest-call.ts asserts with `expect`).
 */
import { readFileSync } from 'node:fs';
import { Random } from '../../packages/core/src/util/random.ts';
import { readFvecs } from '../../test/indexes/fixtures.ts';

export const DIM = 384;
const DATASET = '/work/shared/datasets/arxiv-gte-small-1k/';
/** Per-component noise: gte-small components are ~0.05 in magnitude, so rows stay near their source paper. */
const NOISE = 0.02;
/** Components are rounded to 1e-5 so the JSON sent to the server and the Float32Array kept here are the same float32 values. */
const round = (x: number): number => Math.round(x * 1e5) / 1e5;

function gaussian(r: Random): number {
  const u = Math.max(r.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.next());
}

function perturbInto(out: Float32Array, at: number, src: Float32Array, from: number, r: Random): void {
  let norm = 0;
  for (let d = 0; d < DIM; d++) {
    const x = src[from + d]! + gaussian(r) * NOISE;
    out[at + d] = x;
    norm += x * x;
  }
  const s = 1 / Math.sqrt(norm);
  for (let d = 0; d < DIM; d++) out[at + d] = round(out[at + d]! * s);
}

export interface ReplicaData {
  readonly seed: number;
  /** Rows `0..n-1` of the collection (and `n..` for the catch-up batches), `DIM` floats each. */
  readonly rows: Float32Array;
  readonly queries: Float32Array[];
}

/** `n` rows (row i is base vector i mod 900 plus noise) and 200 queries, from `seed`. */
export function replicaData(n: number, seed: number): ReplicaData {
  const base = readFvecs(readFileSync(DATASET + 'base.fvecs'));
  const held = readFvecs(readFileSync(DATASET + 'query.fvecs'));
  if (base.dim !== DIM || held.dim !== DIM) throw new Error(`${DATASET}: expected ${DIM}-d vectors, got ${base.dim}`);
  const r = new Random(seed);
  const rows = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) perturbInto(rows, i * DIM, base.data, (i % base.n) * DIM, r);
  const queries: Float32Array[] = [];
  for (let q = 0; q < held.n; q++) queries.push(Float32Array.from(held.data.subarray(q * DIM, (q + 1) * DIM), round));
  for (let q = 0; q < held.n; q++) {
    const v = new Float32Array(DIM);
    perturbInto(v, 0, held.data, q * DIM, r);
    queries.push(v);
  }
  return { seed, rows, queries };
}

/** Row `id`'s vector as the JSON numbers sent to the server. */
export function jsonVector(rows: Float32Array, id: number): number[] {
  return Array.from(rows.subarray(id * DIM, (id + 1) * DIM), round);
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const median = (xs: readonly number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

/**
 * One REST v2 call as root, answering `data`; throws on a non-zero code. A request the local
 * runtime's HTTP server dropped unanswered (its keep-alive timer fires while workerd's one
 * thread is busy with an index build; bench/suites/edge.ts explains) is sent once more.
 */
export async function restCall(base: string, path: string, body: unknown): Promise<unknown> {
  const once = async (): Promise<unknown> => {
    const res = await fetch(`${base}/v2/vectordb/${path}`, { method: 'POST', headers: { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const reply = (await res.json()) as { code: number; message?: string; data?: unknown };
    if (reply.code !== 0) throw new Error(`${path}: code ${reply.code}: ${reply.message ?? ''}`);
    return reply.data;
  };
  try {
    return await once();
  } catch (e) {
    const code = ((e as { cause?: { code?: string } }).cause ?? {}).code ?? '';
    if (!(e instanceof TypeError) || !['UND_ERR_SOCKET', 'EPIPE', 'ECONNRESET'].includes(code)) throw e;
    console.error(`[replica] ${path}: connection closed without an answer (${code}); sending it again`);
    return once();
  }
}
