/**
 * Seeded generators of hostile request bodies for the fuzz campaign: a plausible body per
 * endpoint (collection names from a pool, filters from test/expr's grammar generator, then
 * mutated), and the malformed kinds — wrong types, prototype keys, NaN/Infinity, unicode,
 * deep and huge values, invalid UTF-8, empty and non-object bodies. Everything is derived
 * from one Random, so a seed replays the same requests.
 */
import type { Random } from '../../packages/core/src/util/random.ts';
import { randomFilter } from '../expr/random-filter.ts';

/** One generated request: raw bytes (or text) plus the headers it carries. */
export interface FuzzRequest {
  readonly route: string;
  readonly body: string | Uint8Array;
  readonly headers: Record<string, string>;
  readonly kind: string;
}

const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', 'isPrototypeOf'];
const UNICODE = ['日本語', 'é', '\u0000', '\uFEFF', '😀', '\u202E', 'a\u0301', '\uD800', 'ＡＢＣ', ' '];
const WEIRD_NUMBERS = ['NaN', 'Infinity', '-Infinity', '1e309', '-0', '1e-400', '9007199254740993', '0x10', '.5', '01'];

export function randomValue(r: Random, depth = 0): unknown {
  switch (r.int(depth > 3 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return r.bool();
    case 2:
      return r.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, 4294967296, 16385, 65536]);
    case 3:
      return r.pick(['', 'x', 'ref', 'fz', r.pick(UNICODE), 'a'.repeat(r.int(300)), r.pick(PROTO_KEYS)]);
    case 4:
      return r.pick(UNICODE).repeat(1 + r.int(5));
    case 5:
      return r.range(-1000, 1000);
    case 6:
      return Array.from({ length: r.int(5) }, () => randomValue(r, depth + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.bool(0.3) ? r.pick(PROTO_KEYS) : r.pick(['a', 'id', 'vector', 'filter', 'x']), randomValue(r, depth + 1)]));
    default:
      return r.pick(['id > 0', 'id in [1,2,3]', '', '((((', 'vector > 1']);
  }
}

function vector(r: Random, dim: number): unknown {
  if (r.bool(0.9)) return Array.from({ length: dim }, () => r.next());
  return r.pick([[], [1], Array.from({ length: dim + 1 }, () => 1), 'x', [null, 1, 2, 3], [1, 2, '3', 4], null]);
}

function filter(r: Random): { expr: string; params: Record<string, unknown> } {
  if (r.bool(0.7)) {
    const f = randomFilter(r, 1 + r.int(3));
    const params = Object.fromEntries(Object.entries(f.params).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));
    if (r.bool(0.2)) return { expr: mutateText(r, f.expr), params };
    return { expr: f.expr, params };
  }
  return { expr: r.pick(['id > 0', 'id in [1, 2, 3]', 'n % 3 == 0', 'tag like "a%"', 'not (id < 5)', '', 'id ==', '"a" + 1 > 2', 'id in []', `id in [${Array.from({ length: 500 }, (_, i) => i).join(',')}]`]), params: {} };
}

function mutateText(r: Random, s: string): string {
  const i = r.int(s.length + 1);
  switch (r.int(4)) {
    case 0:
      return s.slice(0, i) + s.slice(i + 1);
    case 1:
      return s.slice(0, i) + r.pick(['(', ')', '"', '[', ']', ' and ', '\\', '{', '%', '$']) + s.slice(i);
    case 2:
      return s.slice(0, i);
    default:
      return s + s;
  }
}

/** A plausible body for the route over the pool of names (`ref` only for read-only routes). */
export function plausibleBody(r: Random, route: string, readOnly: boolean): Record<string, unknown> {
  const names = readOnly ? ['ref', 'fz', 'fz_alias', 'nope'] : ['fz', 'fz2', 'fz_alias', 'nope'];
  const collectionName = r.pick(names);
  const f = filter(r);
  const dim = 4;
  const rows = Array.from({ length: 1 + r.int(20) }, () => ({ id: r.range(-50, 5000), vector: vector(r, dim), n: r.range(-10, 10), tag: r.pick(['a', 'b', 'ab', '日本']), ...(r.bool(0.2) ? { [r.pick(PROTO_KEYS)]: 1 } : {}) }));
  const body: Record<string, unknown> = {
    collectionName,
    partitionName: r.pick(['_default', 'p1', 'nope']),
    partitionNames: [r.pick(['_default', 'p1'])],
    aliasName: r.pick(['fz_alias', 'al2', 'ref']),
    indexName: r.pick(['vector', 'idx', '']),
    filter: f.expr,
    ...(Object.keys(f.params).length > 0 ? { exprParams: f.params } : {}),
    limit: r.pick([1, 3, 10, 100, 0, -1, 16385]),
    outputFields: r.pick([['*'], ['id'], ['n', 'tag'], ['count(*)'], ['nope']]),
    data: route.startsWith('entities/search') ? [vector(r, dim)] : rows,
    id: [r.range(-5, 50), r.range(-5, 50)],
    dimension: r.pick([4, 8, 0, -1, 32769]),
    userName: r.pick(['fuzz_u', 'vsk_x', 'root', 'constructor']),
    password: r.pick(['fuzz-pass', '1', 'x'.repeat(300)]),
    newPassword: 'fuzz-pass-2',
    roleName: r.pick(['fuzz_r', 'admin', 'public', '__proto__']),
    objectType: r.pick(['Collection', 'Global', 'Database', 'nope']),
    objectName: r.pick(['fz', '*']),
    privilege: r.pick(['Search', 'Insert', 'constructor', 'CollectionReadOnly', '*', 'toString']),
    dbName: r.pick(['default', 'default', 'default', 'fuzzdb', 'nope']),
    jobId: r.pick(['1', 'x', '0']),
    jobID: r.pick([1, 'x']),
    files: [[r.pick(['a.json', ''])]],
    newCollectionName: r.pick(['fz3', 'fz']),
    indexParams: [{ fieldName: 'vector', metricType: r.pick(['L2', 'COSINE', 'IP', 'nope']), indexName: 'vector', params: { index_type: r.pick(['AUTOINDEX', 'HNSW', 'FLAT', 'nope']) } }],
    consistencyLevel: r.pick(['Strong', 'Bounded', 'Eventually', 'Session', 'nope']),
  };
  // keep a random subset: missing keys are part of the surface
  for (const k of Object.keys(body)) if (k !== 'collectionName' && r.bool(0.35)) delete body[k];
  if (r.bool(0.25)) mutateObject(r, body);
  return body;
}

function mutateObject(r: Random, o: Record<string, unknown>): void {
  const keys = Object.keys(o);
  const k = keys.length > 0 ? r.pick(keys) : 'collectionName';
  switch (r.int(5)) {
    case 0:
      o[k] = randomValue(r);
      break;
    case 1:
      o[k.toUpperCase()] = o[k];
      break;
    case 2:
      Object.defineProperty(o, r.pick(PROTO_KEYS), { value: randomValue(r), enumerable: true, configurable: true, writable: true });
      break;
    case 3:
      delete o[k];
      break;
    default:
      o[`${k}x`] = o[k];
  }
}

/**
 * The size of one huge value: log-uniform from 1 KB to 1 MiB, and in one case out of ten from
 * 1 KB to `max` (every order of magnitude as likely), so a long run sends thousands of
 * kilobyte-to-megabyte values and some of tens of MB without spending its time uploading.
 */
export function hugeSize(r: Random, max: number): number {
  const lo = Math.min(1024, max);
  const hi = r.bool(0.1) ? max : Math.min(max, 1 << 20);
  return Math.floor(lo * (hi / lo) ** r.next());
}

/**
 * `0,1,2,...,count-1`, built in slices with a turn of the event loop between them. Built in
 * one go, a list of millions of keys held the client's thread for up to 19 s (2 shared cores
 * under load), while requests in flight sat on connections opened but not yet written, and
 * workerd's HTTP server closed those after its 15 s header timeout ("socket hang up"): a
 * failure of the client, not of the server.
 */
export async function distinctKeys(count: number): Promise<string> {
  const SLICE = 50_000;
  const parts: string[] = [];
  for (let from = 0; from < count; from += SLICE) {
    parts.push(Array.from({ length: Math.min(SLICE, count - from) }, (_, i) => from + i).join(','));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return parts.join(',');
}

/** A body to build before sending (too costly to build in one turn of the event loop). */
export type LazyBody = () => Promise<string>;

/** A body that is not a plausible request: malformed, deep, huge, non-object or not UTF-8. */
export function hostileBody(r: Random, plausible: Record<string, unknown>, maxHugeBytes: number): { body: string | Uint8Array | LazyBody; kind: string } {
  const text = JSON.stringify(plausible);
  switch (r.int(12)) {
    case 0:
      return { body: '', kind: 'empty' };
    case 1:
      return { body: r.pick(['null', '[]', '1', '"x"', 'true', '{}', '[{}]']), kind: 'non-object' };
    case 2:
      return { body: mutateText(r, text), kind: 'broken-json' };
    case 3: {
      const d = r.pick([50, 1000, 100_000]);
      return { body: `{"collectionName":"fz","filter":"id > 0","x":${'['.repeat(d)}${']'.repeat(d)}}`, kind: 'deep' };
    }
    case 4: {
      const bytes = new TextEncoder().encode(text);
      const out = Uint8Array.from(bytes);
      for (let i = 0; i < 1 + r.int(3); i++) out[r.int(out.length)] = r.pick([0xff, 0xc0, 0x80, 0xed, 0xfe]);
      return { body: out, kind: 'invalid-utf8' };
    }
    case 5:
      return { body: text.replace(/(:)(-?[0-9.]+)/, (_m, c: string) => c + r.pick(WEIRD_NUMBERS)), kind: 'weird-number' };
    case 6: {
      const bytes = hugeSize(r, maxHugeBytes);
      // distinct keys (about 8 bytes each) or one key repeated (`1,`: 2 bytes each)
      if (r.bool()) return { body: async () => JSON.stringify({ ...plausible, filter: `id in [${await distinctKeys(Math.floor(bytes / 8))}]` }), kind: 'huge-filter' };
      return { body: JSON.stringify({ ...plausible, filter: `id in [${'1,'.repeat(Math.floor(bytes / 2))}1]` }), kind: 'huge-filter' };
    }
    case 7:
      return { body: JSON.stringify({ ...plausible, junk: 'z'.repeat(hugeSize(r, maxHugeBytes)) }), kind: 'huge-string' };
    case 8:
      return { body: `{"__proto__":{"collectionName":"ref","admin":true},"constructor":{"prototype":{"x":1}},${text.slice(1)}`, kind: 'proto-keys' };
    case 9:
      return { body: JSON.stringify(randomValue(r)), kind: 'random-json' };
    case 10:
      return { body: `${text}${r.pick(['}', ' garbage', '\u0000', ',{}'])}`, kind: 'trailing' };
    default:
      return { body: JSON.stringify(plausible).replace(/"[a-zA-Z]+"/, (m) => JSON.stringify(r.pick(UNICODE) + m.slice(1, -1))), kind: 'unicode-key' };
  }
}

/** Headers: usually root, sometimes a bad credential, a timeout, a session timestamp or a database. */
export function fuzzHeaders(r: Random): Record<string, string> {
  const h: Record<string, string> = { 'Content-Type': 'application/json' };
  const auth = r.int(20);
  h['Authorization'] = auth === 0 ? 'Bearer root:wrong' : auth === 1 ? 'Bearer vsk_00' : auth === 2 ? 'Basic %%%' : auth === 3 ? 'Bearer fuzz_u:fuzz-pass' : 'Bearer root:Milvus';
  if (r.bool(0.05)) h['Request-Timeout'] = r.pick(['0.0001', '0.01', '-1', 'abc', '1e9', '0']);
  if (r.bool(0.05)) h['Vesper-Session-Ts'] = r.pick(['1', '-1', 'x', '99999999999999999999', String(BigInt(Date.now() + 1e9) << 18n), '0']);
  if (r.bool(0.03)) h['DB-Name'] = r.pick(['default', 'nope', '../x', '']);
  if (r.bool(0.03)) h['Accept-Type-Allow-Int64'] = 'true';
  return h;
}
