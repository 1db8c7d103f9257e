/**
 * `npm run fuzz:uploads -- [--seed N] [--uploaders N] [--small N] [--seconds N] [--min-mb N] [--max-mb N]
 *   [--route R] [--large-code N|any] [--target vesper|minimal] [--via direct|proxy] [--connections fresh|pooled]`
 *
 * The reproducer of the transport failures of the long fuzz run (docs/HARDENING.md "Fuzzing"):
 * `--uploaders` clients each send bodies of min–max MB (a JSON object with a long string, over
 * the 8 MiB limit of `--route`, default `entities/query`) in a loop while `--small` clients
 * send small valid queries. Every answer must be Milvus JSON with the expected code (1102 for
 * a large body, 0 for a small one); anything else (no HTTP answer, a non-JSON 503) is a
 * failure, printed as it happens. Exits 1 on any failure.
 *
 * - `--target vesper` (default): the Vesper Worker on local workerd (unstable_startWorker, as
 *   the fuzz campaign); `--target minimal`: a Worker of a few lines that reads the whole body
 *   and answers, on plain workerd (Miniflare, no wrangler) — whatever fails there is the local
 *   runtime's, not Vesper's body handling.
 * - `--via direct` (default): to the Worker's own workerd socket; `--via proxy`: through
 *   wrangler's proxy Worker, which forwards every request over pooled connections of its own.
 * - `--connections fresh` (default): every request on a new connection (http-post.ts);
 *   `--connections pooled`: Node's fetch, which reuses kept-alive connections.
 *
 * Findings (2026-12-06): pooled connections fail in every combination, with the minimal Worker
 * too; fresh connections direct to the Worker pass; through the proxy they still fail (its
 * own pooled hop), answered with its non-JSON 503.
 */
import { parseArgs } from 'node:util';
import { Miniflare } from 'miniflare';
import { Random, testSeed } from '../../packages/core/src/util/random.ts';
import { startVesperWorker } from '../edge/worker-harness.ts';
import { postOnce, type PostAnswer } from './http-post.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    uploaders: { type: 'string', default: '3' },
    small: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '60' },
    'min-mb': { type: 'string', default: '10' },
    'max-mb': { type: 'string', default: '60' },
    route: { type: 'string', default: 'entities/query' },
    target: { type: 'string', default: 'vesper' },
    via: { type: 'string', default: 'direct' },
    connections: { type: 'string', default: 'fresh' },
    // the code a large body must get: 1102 past the route's limit; `any` accepts every coded
    // answer (a bulk route under its 32 MiB limit parses the body and answers on its content)
    'large-code': { type: 'string', default: '1102' },
  },
});
const seed = testSeed(values.seed ?? process.env.VESPER_SEED);
const seconds = Number(values.seconds);
const minBytes = Number(values['min-mb']) * 1024 * 1024;
const maxBytes = Number(values['max-mb']) * 1024 * 1024;
const { target, via, connections } = values;
if (!['vesper', 'minimal'].includes(target) || !['direct', 'proxy'].includes(via) || !['fresh', 'pooled'].includes(connections)) {
  throw new Error('--target vesper|minimal, --via direct|proxy, --connections fresh|pooled');
}
if (target === 'minimal' && via === 'proxy') throw new Error('--target minimal runs on plain workerd: there is no proxy');
console.log(`upload storm: seed ${seed}, ${values.uploaders} uploaders of ${values['min-mb']}–${values['max-mb']} MB to ${values.route}, ${values.small} small clients, ${seconds} s; target ${target}, via ${via}, ${connections} connections`);

/** Reads the whole body, then answers like Vesper refusing it (1102) or a small query (0). */
const MINIMAL_WORKER = `export default { async fetch(request) {
  let n = 0;
  const reader = request.body.getReader();
  for (;;) { const { done, value } = await reader.read(); if (done) break; n += value.byteLength; }
  return Response.json({ code: n > 8 * 1024 * 1024 ? 1102 : 0, data: [], bytes: n });
} }`;

interface Target {
  readonly endpoint: string;
  readonly notes: () => string[];
  dispose(): Promise<void>;
}

async function start(): Promise<Target> {
  if (target === 'minimal') {
    const mf = new Miniflare({ modules: true, script: MINIMAL_WORKER, compatibilityDate: '2026-04-20' });
    const url = await mf.ready;
    return { endpoint: url.origin, notes: () => [], dispose: () => mf.dispose() };
  }
  const w = await startVesperWorker();
  return { endpoint: via === 'direct' ? w.directEndpoint : w.endpoint, notes: () => w.devErrors, dispose: () => w.dispose() };
}

const largeCode = values['large-code'] === 'any' ? 'any' : Number(values['large-code']);
const server = await start();
const headers = { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' };
const failures: string[] = [];
const counts = { large: 0, small: 0 };
const fail = (what: string): void => {
  failures.push(what);
  if (failures.length <= 30) console.log(`  FAIL ${what}`);
};

async function send(url: string, body: string): Promise<PostAnswer> {
  if (connections === 'fresh') return postOnce(url, headers, body, 120_000);
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(120_000) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function post(route: string, body: string, want: number | 'any', label: string): Promise<void> {
  let answer: PostAnswer;
  try {
    answer = await send(`${server.endpoint}/v2/vectordb/${route}`, body);
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    fail(`${label}: no answer: ${(e as Error).message}${cause?.code ? ` (${cause.code})` : ''}`);
    return;
  }
  let code: unknown;
  try {
    code = (JSON.parse(answer.text) as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  if (typeof code !== 'number') fail(`${label}: HTTP ${answer.status} non-JSON: ${answer.text.slice(0, 120)}`);
  else if (want !== 'any' && code !== want) fail(`${label}: code ${code}, expected ${want}: ${answer.text.slice(0, 160)}`);
}

try {
  if (target === 'vesper') {
    const created = JSON.parse((await postOnce(`${server.endpoint}/v2/vectordb/collections/create`, headers, JSON.stringify({ collectionName: 'storm', dimension: 4 }), 60_000)).text) as { code: number; message?: string };
    if (created.code !== 0) throw new Error(`setup: ${created.code} ${created.message}`);
  }
  const deadline = Date.now() + seconds * 1000;
  const rng = new Random(seed);
  const uploader = async (i: number): Promise<void> => {
    while (Date.now() < deadline) {
      const size = Math.floor(minBytes + rng.next() * (maxBytes - minBytes));
      counts.large++;
      await post(values.route, JSON.stringify({ collectionName: 'storm', filter: 'id >= 0', junk: 'z'.repeat(size) }), largeCode, `uploader ${i} ${size} B`);
    }
  };
  const small = async (i: number): Promise<void> => {
    while (Date.now() < deadline) {
      counts.small++;
      await post('entities/query', JSON.stringify({ collectionName: 'storm', filter: 'id >= 0', limit: 5 }), 0, `small ${i}`);
    }
  };
  await Promise.all([
    ...Array.from({ length: Number(values.uploaders) }, (_, i) => uploader(i)),
    ...Array.from({ length: Number(values.small) }, (_, i) => small(i)),
  ]);
} finally {
  for (const note of server.notes().slice(0, 10)) console.log(`  wrangler: ${note}`);
  await server.dispose();
}
console.log(`upload storm: seed ${seed}: ${counts.large} large and ${counts.small} small requests, ${failures.length} failures: ${failures.length > 0 ? 'FAILED' : 'passed'}`);
process.exit(failures.length > 0 ? 1 : 0);
