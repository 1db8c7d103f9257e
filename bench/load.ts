/**
 * Load test (issue 11): N concurrent clients mix insert / search / query / delete against the
 * Worker on local workerd (wrangler unstable_startWorker, in-memory storage) for a bounded
 * time, over the Milvus REST v2 API. Each client owns a disjoint key range, so the expected
 * state is exact: afterwards every acknowledged insert is present unless acknowledged
 * deleted, `count(*)` equals the model, and every answer was Milvus JSON. Reports latency
 * p50/p99 per kind. A request that fails (non-zero code or non-JSON) is counted and printed;
 * its batch is not in the model and is checked as all-or-nothing.
 *
 * Usage: npm run load -- --clients 16 --seconds 300 [--seed S]
 */
import { Random, testSeed } from '@vesper/core';
import { startVesperWorker } from '../test/edge/worker-harness.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const CLIENTS = arg('clients', 16);
const SECONDS = arg('seconds', 30);
const seed = testSeed(process.argv.includes('--seed') ? String(arg('seed', 0)) : process.env['VESPER_SEED']);
const DIM = 16;
const COLLECTION = 'load';
type Kind = 'insert' | 'search' | 'query' | 'delete';

const worker = await startVesperWorker();
const latencies = new Map<Kind, number[]>([['insert', []], ['search', []], ['query', []], ['delete', []]]);
const problems: string[] = [];

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${worker.endpoint}/v2/vectordb/${path}`, {
    method: 'POST',
    headers: { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json', 'Request-Timeout': '60' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { code: -1, message: `HTTP ${res.status} non-JSON: ${text.slice(0, 200)}` };
  }
}

const vec = (rng: Random): number[] => Array.from({ length: DIM }, () => Math.fround(rng.next()));

async function client(c: number, deadline: number): Promise<{ live: Set<number>; uncertain: Set<number> }> {
  const rng = new Random(seed + c);
  const live = new Set<number>();
  const uncertain = new Set<number>();
  let next = c * 10_000_000;
  while (Date.now() < deadline) {
    const op = rng.next();
    const kind: Kind = op < 0.4 || live.size < 10 ? 'insert' : op < 0.7 ? 'search' : op < 0.85 ? 'query' : 'delete';
    const t0 = performance.now();
    let res: Record<string, unknown>;
    let keys: number[] = [];
    if (kind === 'insert') {
      keys = Array.from({ length: rng.range(1, 50) }, () => next++);
      res = await post('entities/insert', { collectionName: COLLECTION, data: keys.map((id) => ({ id, vector: vec(rng), client: c })) });
    } else if (kind === 'search') {
      res = await post('entities/search', { collectionName: COLLECTION, data: [vec(rng)], limit: 10, filter: `client == ${c}` });
    } else if (kind === 'query') {
      res = await post('entities/query', { collectionName: COLLECTION, filter: `client == ${c}`, outputFields: ['count(*)'] });
    } else {
      const pool = [...live];
      keys = [...new Set(Array.from({ length: rng.range(1, 10) }, () => rng.pick(pool)))];
      res = await post('entities/delete', { collectionName: COLLECTION, filter: `id in [${keys.join(',')}]` });
    }
    latencies.get(kind)!.push(performance.now() - t0);
    if (res['code'] !== 0) {
      problems.push(`client ${c} ${kind}: code ${String(res['code'])} ${String(res['message'])}`);
      for (const k of keys) uncertain.add(k);
      continue;
    }
    if (kind === 'insert') for (const k of keys) live.add(k);
    if (kind === 'delete') for (const k of keys) live.delete(k);
  }
  return { live, uncertain };
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

try {
  const created = await post('collections/create', {
    collectionName: COLLECTION,
    schema: {
      fields: [
        { fieldName: 'id', dataType: 'Int64', isPrimary: true },
        { fieldName: 'vector', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
        { fieldName: 'client', dataType: 'Int32' },
      ],
    },
    indexParams: [{ fieldName: 'vector', indexName: 'vector', metricType: 'L2', indexType: 'HNSW', params: { M: 16, efConstruction: 64 } }],
  });
  if (created['code'] !== 0) throw new Error(`create failed: ${JSON.stringify(created)}`);
  console.log(`load: ${CLIENTS} clients for ${SECONDS} s on local workerd (${worker.endpoint}), seed ${seed}`);
  const t0 = Date.now();
  const deadline = t0 + SECONDS * 1000;
  const states = await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c, deadline)));
  const elapsed = (Date.now() - t0) / 1000;

  // exact accounting: every client's live keys present, nothing else (uncertain keys either way)
  let expected = 0;
  let lost = 0;
  let extra = 0;
  for (let c = 0; c < CLIENTS; c++) {
    const { live, uncertain } = states[c]!;
    const have = new Set<number>();
    // page by key (answers are in key order; a page is at most the query window)
    for (let after = -1; ; ) {
      const got = await post('entities/query', { collectionName: COLLECTION, filter: `client == ${c} and id > ${after}`, outputFields: ['id'], consistencyLevel: 'Strong', limit: 16384 });
      if (got['code'] !== 0) throw new Error(`accounting query failed: ${JSON.stringify(got).slice(0, 300)}`);
      const ids = (got['data'] as { id: string }[]).map((r) => Number(r.id));
      for (const k of ids) have.add(k);
      if (ids.length < 16384) break;
      after = ids[ids.length - 1]!;
    }
    for (const k of live) if (!have.has(k) && !uncertain.has(k)) lost++;
    for (const k of have) if (!live.has(k) && !uncertain.has(k)) extra++;
    expected += live.size;
  }
  const count = await post('entities/query', { collectionName: COLLECTION, outputFields: ['count(*)'], consistencyLevel: 'Strong' });
  const counted = Number((count['data'] as Record<string, string>[])[0]!['count(*)']);
  console.log(`ran ${elapsed.toFixed(0)} s; requests: ${[...latencies].map(([k, v]) => `${k} ${v.length}`).join(', ')}; failed requests: ${problems.length}`);
  for (const [k, v] of latencies) console.log(`  ${k.padEnd(6)} n=${v.length} p50=${pct(v, 50).toFixed(1)} ms p99=${pct(v, 99).toFixed(1)} ms`);
  console.log(`accounting: expected ${expected} rows, count(*) ${counted}, acknowledged rows lost ${lost}, rows never acknowledged ${extra}`);
  for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
  process.exitCode = lost === 0 && extra === 0 && problems.length === 0 && (counted === expected) ? 0 : 1;
} finally {
  await worker.dispose();
}
