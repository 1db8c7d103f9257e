/**
 * The replica endpoints (Vesper's own namespace, `/v2/vesper/replica/`; docs/guide-edge.md):
 * what a local replica (core `CollectionReplica`) needs to copy a collection and follow it.
 * - `POST describe` `{dbName?, collectionName}`: the catalog entry and, per shard, the manifest
 *   version, the sealed segment records and their files (key, size, ETag).
 * - `POST feed` `{dbName?, collectionName, shards?: [{shard, checkpoint, afterLsn}]}`: the same
 *   plus each shard's growing tail (WAL entries after the checkpoint, or after `afterLsn` when
 *   the replica's checkpoint is still current), every shard read under its write lock.
 * - `GET file?dbName=&collectionName=&key=`: a file's bytes from R2, only keys a recent
 *   manifest of that collection names; `Range` (206) and `ETag` / `If-None-Match` (304);
 *   header `Vesper-Crc32` is the CRC-32 of the bytes sent; `Cache-Control: no-store` (a
 *   browser must not stitch an interrupted download to a later range: serveFile).
 * - `POST write` `{dbName?, collectionName, method, request, requestId}`: a write a replica
 *   forwards (`insert`, `upsert` or `delete`, the engine's request shape without the
 *   collection), exactly once per `requestId`: each shard leader records the id with the
 *   write's WAL append and answers a retry with the first attempt's result.
 * Reads are authorized like REST reads: the caller needs Query or Search on the collection
 * (1401, 403); a write needs the privilege of its method (Insert, Upsert, Delete).
 * Bodies are JSON with bigints and bytes tagged (core replica-wire.ts); a `describe` or `feed`
 * whose `Accept` names `application/vnd.vesper.wire` is answered in the binary wire form
 * instead (the tail's WAL records as raw bytes, not base64), with that `Content-Type`.
 */
import { VesperError, showValue } from '@vesper/core';
import { crc32, fromWire, parseManifest, recordKeys, toWire, toWireBinary, REPLICA_API_PREFIX, WIRE_BINARY_TYPE, type CollectionInfo, type ReplicaFeed, type ShardFeed, type ShardPosition } from '@vesper/core/distributed';
import { AccessClient } from '../access/access-client.ts';
import { allowed, authorize, type Principal } from '../access/policy.ts';
import type { Env } from '../bindings.ts';
import { reach } from '../rpc.ts';
import { leaderName } from '../data/types.ts';
import { CORS_HEADERS, discardBody, errorResponse } from '../rest/router.ts';
import { databaseEngine } from '../data/database-engine.ts';
import { bodyRoomOf, maxBodyBytesOf, readBody, roomNeeded, timeoutMs, withTimeout } from '../limits.ts';

/** Manifests (newest first) whose files `file` serves: GC keeps the files of the newest two. */
const SERVED_MANIFESTS = 4;
const MAX_BODY = 1024 * 1024;
const KEY = /^c(\d+)\/s\d+\/[A-Za-z0-9._-]+$/;
/**
 * CORS: a browser replica syncs from a page on another origin (its engine worker's fetch).
 * Answers expose what the client checks (ETag, Vesper-Crc32, the lengths); a preflight also
 * allows the file endpoint's conditional and range request headers.
 */
const HEADERS = { ...CORS_HEADERS, 'Access-Control-Expose-Headers': 'ETag, Content-Range, Content-Length, Vesper-Crc32' };
const PREFLIGHT = { ...HEADERS, 'Access-Control-Allow-Headers': `${CORS_HEADERS['Access-Control-Allow-Headers']}, Range, If-None-Match` };

export function isReplicaPath(pathname: string): boolean {
  return pathname.startsWith(REPLICA_API_PREFIX);
}

/** Answers one replica request (errors in Milvus's envelope, with their HTTP status). */
export async function handleReplica(request: Request, env: Env, url: URL): Promise<Response> {
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: PREFLIGHT });
  const action = url.pathname.slice(REPLICA_API_PREFIX.length).replace(/\/+$/, '');
  try {
    const who = await new AccessClient(env).authenticate(request);
    if (action === 'file' && request.method === 'GET') return await serveFile(request, env, url, who);
    if (action === 'write' && request.method === 'POST') return wire(await forwardedWriteOf(request, env, who));
    if ((action === 'describe' || action === 'feed') && request.method === 'POST') {
      const body = await readJson(request);
      const feed = await collectionFeed(env, who, body, action === 'feed');
      return acceptsBinary(request) ? binary(feed) : wire(feed);
    }
    await discardBody(request);
    throw new VesperError('PARAMETER_INVALID', `no replica endpoint ${request.method} ${url.pathname}: use POST ${REPLICA_API_PREFIX}describe, POST ${REPLICA_API_PREFIX}feed, POST ${REPLICA_API_PREFIX}write or GET ${REPLICA_API_PREFIX}file`);
  } catch (e) {
    await discardBody(request);
    const err = VesperError.wrap(e);
    const res = errorResponse(err);
    return err.code === 1001 ? new Response(res.body, { status: 404, headers: res.headers }) : res;
  }
}

function wire(data: unknown): Response {
  return new Response(toWire({ code: 0, data }), { headers: { 'content-type': 'application/json; charset=utf-8', ...HEADERS } });
}

/** Whether the caller takes the binary wire form (a replica of this version or later does). */
function acceptsBinary(request: Request): boolean {
  return (request.headers.get('Accept') ?? '').split(',').some((t) => t.split(';')[0]!.trim().toLowerCase() === WIRE_BINARY_TYPE);
}

function binary(data: unknown): Response {
  return new Response(toWireBinary({ code: 0, data }), { headers: { 'content-type': WIRE_BINARY_TYPE, ...HEADERS } });
}

/**
 * A forwarded write: its body is bounded like a REST insert's (VESPER_MAX_BODY_BYTES) and takes
 * its place in the isolate's BodyRoom before it is read (limits.ts), held until the answer.
 */
async function forwardedWriteOf(request: Request, env: Env, who: Principal): Promise<unknown> {
  const max = maxBodyBytesOf(env);
  const need = roomNeeded(request, 'replica/write', max);
  const ticket = need > 0 ? bodyRoomOf(max).take(need) : undefined;
  try {
    if (ticket) await withTimeout(timeoutMs(request, env.VESPER_REQUEST_TIMEOUT_S), 'replica/write (waiting for room for its body; nothing of it was done)', () => ticket.ready);
    return await forwardedWrite(env, who, await readJson(request, max, 'replica/write'), request);
  } finally {
    ticket?.release();
  }
}

/** A replica request's JSON object body, streamed and refused past `max` bytes (1102) or when not UTF-8. */
async function readJson(request: Request, max = MAX_BODY, route = 'replica request'): Promise<Record<string, unknown>> {
  const text = await readBody(request, max, route);
  const v = text.trim() === '' ? {} : fromWire(text);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new VesperError('INCORRECT_PARAMETER_FORMAT', 'replica request body must be a JSON object');
  return v as Record<string, unknown>;
}

interface Named {
  readonly db: string;
  readonly collection: string;
}

/** The database and collection a request names; unknown keys are refused by name. */
function named(get: (k: string) => unknown, keys: readonly string[], allowedKeys: readonly string[]): Named {
  const extra = keys.filter((k) => !allowedKeys.includes(k));
  if (extra.length > 0) throw new VesperError('PARAMETER_INVALID', `replica request: unknown parameter ${extra.map((k) => showValue(k)).join(', ')} (known: ${allowedKeys.join(', ')})`);
  const db = get('dbName') ?? 'default';
  const collection = get('collectionName');
  if (typeof db !== 'string' || db === '') throw new VesperError('PARAMETER_INVALID', 'dbName must be a non-empty string');
  if (typeof collection !== 'string' || collection === '') throw new VesperError('MISSING_REQUIRED_PARAMETERS', 'missing required parameters: collectionName');
  return { db, collection };
}

/** A replica needs Query or Search on the collection. @throws PRIVILEGE_NOT_PERMITTED (1401) */
async function authorizeRead(env: Env, who: Principal, n: Named): Promise<void> {
  if (who.superuser) return;
  const policy = await new AccessClient(env).policy();
  const need = (privilege: string) => ({ privilege, level: 'Collection' as const, db: n.db, collection: n.collection });
  if (allowed(policy, who, need('Query'))) return;
  authorize(policy, who, need('Search'));
}

const WRITE_PRIVILEGE = { insert: 'Insert', upsert: 'Upsert', delete: 'Delete' } as const;

/** Whether `method` (from a replica's body) is a write a replica forwards. */
function isForwardedWrite(method: unknown): method is keyof typeof WRITE_PRIVILEGE {
  return typeof method === 'string' && Object.hasOwn(WRITE_PRIVILEGE, method);
}
/** Request keys a forwarded write may carry (the collection and database travel beside it). */
const WRITE_KEYS = ['data', 'partition_name', 'partial_update', 'ids', 'filter', 'expr', 'expr_params', 'filter_params'];

/** A replica's forwarded write, exactly once per request id. */
async function forwardedWrite(env: Env, who: Principal, body: Record<string, unknown>, request: Request): Promise<unknown> {
  const n = named((k) => body[k], Object.keys(body), ['dbName', 'collectionName', 'method', 'request', 'requestId']);
  const method = body['method'];
  if (!isForwardedWrite(method)) throw new VesperError('PARAMETER_INVALID', `a replica forwards insert, upsert or delete, got method ${showValue(method)}`);
  const privilege = WRITE_PRIVILEGE[method];
  const requestId = body['requestId'];
  if (typeof requestId !== 'string') throw new VesperError('MISSING_REQUIRED_PARAMETERS', 'missing required parameters: requestId (a forwarded write is retried under the same id)');
  const req = body['request'];
  if (req === null || typeof req !== 'object' || Array.isArray(req)) throw new VesperError('PARAMETER_INVALID', 'request must be the write request object');
  const extra = Object.keys(req).filter((k) => !WRITE_KEYS.includes(k));
  if (extra.length > 0) throw new VesperError('PARAMETER_INVALID', `forwarded ${method}: unknown parameter ${extra.map((k) => showValue(k)).join(', ')} (known: ${WRITE_KEYS.join(', ')})`);
  if (!who.superuser) authorize(await new AccessClient(env).policy(), who, { privilege, level: 'Collection', db: n.db, collection: n.collection });
  const engine = databaseEngine(env, n.db, { kind: 'dml' }, { deadline: Date.now() + timeoutMs(request, env.VESPER_REQUEST_TIMEOUT_S) });
  return engine.call(method, { ...(req as Record<string, unknown>), db_name: n.db, collection_name: n.collection, request_id: requestId });
}

async function catalogEntry(env: Env, n: Named): Promise<CollectionInfo> {
  const stub = env.CATALOG.get(env.CATALOG.idFromName(n.db));
  const begun = await reach<{ info: CollectionInfo }>(`database ${n.db}`, () => stub.begin(n.db, n.collection, {}));
  return begun.info;
}

function positions(v: unknown): Map<number, ShardPosition> {
  const out = new Map<number, ShardPosition>();
  if (v === undefined) return out;
  if (!Array.isArray(v)) throw new VesperError('PARAMETER_INVALID', 'shards must be a list of {shard, checkpoint, afterLsn}');
  for (const p of v as unknown[]) {
    const o = p as Partial<ShardPosition> | null;
    if (o === null || typeof o !== 'object' || ![o.shard, o.checkpoint, o.afterLsn].every((x) => Number.isSafeInteger(x) && (x as number) >= 0)) {
      throw new VesperError('PARAMETER_INVALID', `shards: ${showValue(p)} is not {shard, checkpoint, afterLsn} of non-negative integers`);
    }
    out.set(o.shard!, { shard: o.shard!, checkpoint: o.checkpoint!, afterLsn: o.afterLsn! });
  }
  return out;
}

async function collectionFeed(env: Env, who: Principal, body: Record<string, unknown>, withTail: boolean): Promise<ReplicaFeed> {
  const n = named((k) => body[k], Object.keys(body), withTail ? ['dbName', 'collectionName', 'shards'] : ['dbName', 'collectionName']);
  await authorizeRead(env, who, n);
  const at = positions(body['shards']);
  const info = await catalogEntry(env, n);
  const ns = env.SHARD_LEADER;
  const t = { db: n.db, info };
  const shards = await Promise.all(
    Array.from({ length: info.shardsNum }, (_, s) =>
      reach<ShardFeed>(`shard ${s} of ${info.name}`, () => ns.get(ns.idFromName(leaderName(n.db, info.id, s))).replicaFeed(t, s, at.get(s), withTail)),
    ),
  );
  const withFiles = await Promise.all(shards.map(async (f) => ({ ...f, files: await fileList(env, n.db, f) })));
  const ts = withFiles.reduce((min, f) => (f.ts < min ? f.ts : min), withFiles[0]?.ts ?? 0n);
  return { db: n.db, info, ts, shards: withFiles };
}

async function fileList(env: Env, db: string, f: ShardFeed) {
  const keys = f.records.flatMap(recordKeys);
  return Promise.all(
    keys.map(async (key) => {
      const head = await env.BUCKET.head(`db/${db}/${key}`);
      if (head === null) throw new VesperError('IO_KEY_NOT_FOUND', `file ${key} of shard ${f.shard} is missing from the bucket`);
      return { key, size: head.size, etag: head.httpEtag };
    }),
  );
}

/**
 * The keys each manifest names, by manifest object key and ETag (a manifest object is written
 * once and never changed; the ETag guards that anyway). Every file request checks its key
 * against the newest manifests; reading and parsing them again per request cost 5–180 ms of a
 * 15 MB file's serving on local workerd. Per isolate, a few dozen manifests at most.
 */
const manifestKeys = new Map<string, ReadonlySet<string>>();
const MANIFEST_CACHE = 64;

/** Keys the newest manifests of collection `id` name. */
async function servedKeys(env: Env, db: string, id: number): Promise<Set<string>> {
  const listed = await env.BUCKET.list({ prefix: `db/${db}/c${id}/manifest/`, limit: SERVED_MANIFESTS });
  const keys = new Set<string>();
  for (const o of listed.objects) {
    const cacheKey = `${o.key}\n${o.etag}`;
    let named = manifestKeys.get(cacheKey);
    if (named === undefined) {
      const obj = await env.BUCKET.get(o.key);
      if (obj === null) continue;
      const m = parseManifest(new Uint8Array(await obj.arrayBuffer()), o.key);
      named = new Set(m.segments.flatMap(recordKeys));
      if (manifestKeys.size >= MANIFEST_CACHE) manifestKeys.delete(manifestKeys.keys().next().value!);
      manifestKeys.set(cacheKey, named);
    }
    for (const k of named) keys.add(k);
  }
  return keys;
}

async function serveFile(request: Request, env: Env, url: URL, who: Principal): Promise<Response> {
  const params = [...url.searchParams.keys()];
  const n = named((k) => url.searchParams.get(k) ?? undefined, params, ['dbName', 'collectionName', 'key']);
  await authorizeRead(env, who, n);
  const key = url.searchParams.get('key') ?? '';
  const m = KEY.exec(key);
  if (!m) throw new VesperError('PARAMETER_INVALID', `key ${showValue(key.slice(0, 200))} is not a segment file key (c<collection>/s<segment>/<file>)`);
  const info = await catalogEntry(env, n);
  if (Number(m[1]) !== info.id || !(await servedKeys(env, n.db, info.id)).has(key)) {
    throw new VesperError('IO_KEY_NOT_FOUND', `${key} is not a file of a current manifest of ${n.collection}: describe the collection again`);
  }
  const head = await env.BUCKET.head(`db/${n.db}/${key}`);
  if (head === null) throw new VesperError('IO_KEY_NOT_FOUND', `${key} is gone from the bucket (garbage-collected): describe the collection again`);
  // no-store: a browser's HTTP cache keeps an interrupted download as a truncated entry and
  // completes it later with a range request, handing back the whole body under the 206's
  // headers, whose Vesper-Crc32 covers only the part sent — the replica (which checks every
  // file itself) must always get one response's bytes with that response's checksum
  const base = { ...HEADERS, ETag: head.httpEtag, 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-store' };
  const inm = request.headers.get('If-None-Match');
  if (inm !== null && inm.split(',').some((x) => x.trim() === head.httpEtag || x.trim() === '*')) return new Response(null, { status: 304, headers: base });
  const range = parseRange(request.headers.get('Range'), head.size);
  const obj = await env.BUCKET.get(`db/${n.db}/${key}`, range ? { range: { offset: range.offset, length: range.length } } : {});
  if (obj === null) throw new VesperError('IO_KEY_NOT_FOUND', `${key} is gone from the bucket: describe the collection again`);
  const bytes = new Uint8Array(await obj.arrayBuffer());
  const headers: Record<string, string> = { ...base, 'content-type': 'application/octet-stream', 'Content-Length': String(bytes.length), 'Vesper-Crc32': String(crc32(bytes)) };
  if (range) headers['Content-Range'] = `bytes ${range.offset}-${range.offset + bytes.length - 1}/${head.size}`;
  return new Response(bytes, { status: range ? 206 : 200, headers });
}

/** `bytes=a-b` / `bytes=a-` / `bytes=-n` (one range); undefined for none. @throws PARAMETER_INVALID */
function parseRange(h: string | null, size: number): { offset: number; length: number } | undefined {
  if (h === null || h.trim() === '') return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw new VesperError('PARAMETER_INVALID', `Range ${showValue(h)}: send one range, bytes=<first>-<last>`);
  if (m[1] === '') {
    const n = Math.min(Number(m[2]), size);
    return { offset: size - n, length: n };
  }
  const first = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (first >= size || last < first) throw new VesperError('PARAMETER_INVALID', `Range ${showValue(h)} is outside the file's ${size} bytes`);
  return { offset: first, length: last - first + 1 };
}
