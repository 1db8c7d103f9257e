/**
 * The REST fuzz campaign against a running Vesper endpoint (workerd): sets up a reference
 * collection `ref` (never written by fuzzed requests) and a playground `fz`, sends seeded
 * hostile requests to every endpoint, and checks every answer — Milvus JSON with a numeric
 * code, never HTTP 5xx, never code 5 (unexpected), never slower than its timeout plus slack —
 * then that `/health` answers and `ref`'s count and checksum are unchanged.
 * Bounded by a request count and a time budget; the seed replays a run.
 */
import { Random } from '../../packages/core/src/util/random.ts';
import { endpointPrivileges } from '../../packages/edge/src/access/privileges.ts';
import { fuzzHeaders, hostileBody, plausibleBody, type FuzzRequest, type LazyBody } from './generators.ts';
import { postOnce } from './http-post.ts';

export interface FuzzOptions {
  /** The Worker's own workerd socket (RunningWorker.directEndpoint), or wrangler's proxy in front of it; read before every request. */
  readonly endpoint: string | (() => string);
  readonly seed: number;
  readonly requests: number;
  readonly seconds: number;
  /** Bytes of the largest huge value sent (a huge IN list, a huge string). */
  readonly hugeBytes?: number;
  /** Concurrent requests in flight. */
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
}

export interface FuzzFailure {
  readonly route: string;
  readonly kind: string;
  readonly problem: string;
}

export interface FuzzResult {
  readonly sent: number;
  readonly byCode: Record<string, number>;
  readonly failures: FuzzFailure[];
  readonly nonJson: number;
  readonly code5: number;
  readonly hangs: number;
  readonly healthy: boolean;
  readonly referenceIntact: boolean;
  readonly seconds: number;
}

/** Routes outside the privilege table (self-service and filtered endpoints). */
const EXTRA_ROUTES = ['users/describe', 'users/update_password', 'users/create_api_key', 'users/drop_api_key', 'databases/list'];
/** Routes that change nothing: these may name the reference collection. */
const READ_ONLY = /(\/list|\/has|\/describe|\/get_stats|\/get_load_state|\/get_progress|\/get_compaction_state|entities\/(search|hybrid_search|advanced_search|query|get))$/;
/** Hang bound beyond the request's own timeout (the machine may be shared and slow). */
const SLACK_MS = 60_000;
const REF_ROWS = 300;

export function fuzzRoutes(): string[] {
  return [...new Set([...Object.keys(endpointPrivileges()), ...EXTRA_ROUTES])].sort();
}

async function call(endpoint: string, route: string, body: unknown): Promise<{ code: number; data?: unknown; message?: string }> {
  const res = await postOnce(`${endpoint}/v2/vectordb/${route}`, { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' }, JSON.stringify(body), 120_000);
  return JSON.parse(res.text) as { code: number; data?: unknown; message?: string };
}

async function must(endpoint: string, route: string, body: unknown): Promise<unknown> {
  const r = await call(endpoint, route, body);
  if (r.code !== 0) throw new Error(`fuzz setup ${route}: ${r.code} ${r.message}`);
  return r.data;
}

/** Count and an order-independent checksum of `ref` (ids and values). */
async function referenceState(endpoint: string): Promise<string> {
  const rows = (await must(endpoint, 'entities/query', { collectionName: 'ref', filter: 'id >= 0', outputFields: ['id', 'n', 'tag'], limit: 16384, consistencyLevel: 'Strong' })) as { id: string | number; n: number; tag: string }[];
  let sum = 0;
  for (const row of rows) sum = (sum + Number(row.id) * 31 + row.n * 7 + row.tag.length) % 1_000_000_007;
  return `${rows.length}:${sum}`;
}

export async function setUp(endpoint: string, seed: number): Promise<string> {
  const r = new Random(seed ^ 0x7ef);
  for (const name of ['ref', 'fz']) {
    await call(endpoint, 'collections/drop', { collectionName: name });
    await must(endpoint, 'collections/create', { collectionName: name, dimension: 4, metricType: 'L2', enableDynamicField: true });
  }
  const rows = Array.from({ length: REF_ROWS }, (_, i) => ({ id: i, vector: [r.next(), r.next(), r.next(), r.next()], n: r.range(-10, 10), tag: r.pick(['a', 'b', 'ab', '日本']) }));
  await must(endpoint, 'entities/insert', { collectionName: 'ref', data: rows });
  await must(endpoint, 'entities/insert', { collectionName: 'fz', data: rows.slice(0, 50) });
  await call(endpoint, 'aliases/create', { aliasName: 'fz_alias', collectionName: 'fz' });
  return referenceState(endpoint);
}

/** A request whose body may still have to be built (generators.ts LazyBody), drawn synchronously so a seed replays it. */
type Drawn = Omit<FuzzRequest, 'body'> & { readonly body: FuzzRequest['body'] | LazyBody };

async function built(d: Drawn): Promise<FuzzRequest> {
  return typeof d.body === 'function' ? { ...d, body: await d.body() } : { ...d, body: d.body };
}

function generate(r: Random, routes: readonly string[], hugeBytes: number): Drawn {
  const route = r.bool(0.02) ? r.pick(['nope/nothing', 'collections', 'collections/list/', '../health']) : r.pick(routes);
  const plausible = plausibleBody(r, route, READ_ONLY.test(route));
  const headers = fuzzHeaders(r);
  if (r.bool(0.3)) {
    const { body, kind } = hostileBody(r, plausible, hugeBytes);
    return { route, body, headers, kind };
  }
  return { route, body: JSON.stringify(plausible), headers, kind: 'plausible' };
}

export async function runRestFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const at = options.endpoint;
  const o = { ...options, get endpoint(): string {
    return typeof at === 'function' ? at() : at;
  } };
  const log = o.log ?? (() => undefined);
  const started = Date.now();
  const before = await setUp(o.endpoint, o.seed);
  log(`fuzz: seed ${o.seed}, reference ${before}`);
  const rng = new Random(o.seed);
  const routes = fuzzRoutes();
  const byCode: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  // failures are printed as they happen (the first 50), so a long run shows them before it ends
  const fail = (f: FuzzFailure): void => {
    failures.push(f);
    if (failures.length <= 50) log(`fuzz: FAIL ${f.route} [${f.kind}]: ${f.problem}`);
  };
  let sent = 0;
  let nonJson = 0;
  let code5 = 0;
  let hangs = 0;
  const deadline = started + o.seconds * 1000;
  const concurrency = o.concurrency ?? 4;

  // requests in flight, so a transport failure names its neighbours (a stalled runtime fails several)
  const inFlight = new Set<{ readonly req: FuzzRequest; readonly at: number }>();
  const neighbours = (self: FuzzRequest): string =>
    [...inFlight]
      .filter((f) => f.req !== self)
      .map((f) => `${f.req.route} [${f.req.kind}] ${typeof f.req.body === 'string' ? f.req.body.length : f.req.body.byteLength} B for ${Date.now() - f.at} ms`)
      .join('; ') || 'none';
  const one = async (req: FuzzRequest): Promise<void> => {
    const entry = { req, at: Date.now() };
    inFlight.add(entry);
    try {
      await answerOf(req, entry.at);
    } finally {
      inFlight.delete(entry);
    }
  };
  const answerOf = async (req: FuzzRequest, at: number): Promise<void> => {
    const timeoutS = Number(req.headers['Request-Timeout']);
    const bound = Math.ceil((timeoutS > 0 && timeoutS < 300 ? timeoutS * 1000 : 30_000) + SLACK_MS);
    let status = 0;
    let text = '';
    try {
      // a connection per request: a kept-alive one races workerd's close of idle connections (http-post.ts)
      ({ status, text } = await postOnce(`${o.endpoint}/v2/vectordb/${req.route}`, req.headers, req.body, bound));
    } catch (e) {
      const hang = (e as Error).name === 'TimeoutError';
      if (hang) hangs++;
      const size = typeof req.body === 'string' ? req.body.length : req.body.byteLength;
      const head = typeof req.body === 'string' ? req.body.slice(0, 200) : Buffer.from(req.body.subarray(0, 200)).toString('latin1');
      fail({ route: req.route, kind: req.kind, problem: `${hang ? `no answer within ${bound} ms` : `request failed: ${(e as Error).message}`} (${size} B, after ${Date.now() - at} ms; headers ${JSON.stringify(req.headers)}; body ${JSON.stringify(head)}; in flight: ${neighbours(req)})` });
      return;
    }
    let parsed: { code?: unknown } | undefined;
    try {
      parsed = JSON.parse(text) as { code?: unknown };
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || typeof parsed.code !== 'number') {
      nonJson++;
      fail({ route: req.route, kind: req.kind, problem: `HTTP ${status} non-JSON or no code: ${text.slice(0, 160)}` });
      return;
    }
    byCode[String(parsed.code)] = (byCode[String(parsed.code)] ?? 0) + 1;
    if (parsed.code === 5) {
      code5++;
      fail({ route: req.route, kind: req.kind, problem: `code 5: ${text.slice(0, 200)}` });
    } else if (status >= 500) {
      fail({ route: req.route, kind: req.kind, problem: `HTTP ${status}: ${text.slice(0, 160)}` });
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      if (sent >= o.requests || Date.now() > deadline) return;
      sent++;
      const req = await built(generate(rng, routes, o.hugeBytes ?? 200_000));
      await one(req);
      if (sent % 1000 === 0) log(`fuzz: ${sent} requests, ${failures.length} failures, ${Math.round((Date.now() - started) / 1000)} s`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  let healthy = false;
  try {
    const h = await fetch(`${o.endpoint}/health`);
    healthy = h.ok && ((await h.json()) as { ok?: boolean }).ok === true;
  } catch {
    healthy = false;
  }
  let after = 'unreadable';
  try {
    after = await referenceState(o.endpoint);
  } catch (e) {
    after = `unreadable: ${(e as Error).message}`;
  }
  if (after !== before) failures.push({ route: 'ref', kind: 'reference', problem: `reference collection changed: ${before} → ${after}` });
  if (!healthy) failures.push({ route: 'health', kind: 'health', problem: '/health did not answer ok' });
  return { sent, byCode, failures, nonJson, code5, hangs, healthy, referenceIntact: after === before, seconds: (Date.now() - started) / 1000 };
}
