/**
 * The Milvus RESTful API v2 front: `POST /v2/vectordb/<category>/<action>` → its handler.
 * Bodies are JSON whatever the Content-Type (the SDK sends a header named `ContentType`);
 * malformed JSON is 1801. Replies use Milvus's envelope, `{code:0, data}` or
 * `{code, message}`, with HTTP 200 for API errors and the error's own status for 401/403/408.
 * Every response carries the CORS headers; OPTIONS answers 204. Writes answer their
 * timestamp in header `Vesper-Session-Ts`; a read sending it back gets Session consistency
 * (read-your-writes) — Milvus's SDKs keep that timestamp client-side, REST has no field for it.
 *
 * Order for each call: body size (1102) → UTF-8 JSON object (1801; `null` only where every
 * parameter is optional, else 1802) → every key known to the endpoint (1100 naming it,
 * rest/request-shape.ts) → database name → privilege (403, 1401;
 * rest/request-guard.ts) → handler, all within the request's deadline (408, 10001). The
 * rate limit (1807) is taken in the database's DO on the request's first engine call.
 * The body is read to its end before any answer leaves, a timed-out one included: an answer
 * sent while the client is still uploading leaves the connection in a state where the next
 * request on it fails outside the Worker (non-JSON 503 in local workerd).
 */
import { VesperError, showValue } from '@vesper/core';
import type { AccessClient } from '../access/access-client.ts';
import type { Principal } from '../access/policy.ts';
import { bodyLimitOf, bodyRoomOf, readBody, roomNeeded, withTimeout, type RoomTicket } from '../limits.ts';
import type { Engine } from '../rpc.ts';
import { Body, missing, parseBoolText } from './body.ts';
import { RequestGuard } from './request-guard.ts';
import { parseRequestJson, stringifyResponse } from './json-codec.ts';
import { checkRequestKeys } from './request-shape.ts';
import { aliasRoutes, databaseRoutes } from './aliases-databases.ts';
import { collectionRoutes } from './collections.ts';
import { entityRoutes } from './entities.ts';
import { indexRoutes, partitionRoutes } from './partitions-indexes.ts';
import { importRoutes } from './import-jobs.ts';
import { searchRoutes } from './search.ts';
import { roleRoutes, userRoutes } from './users-roles.ts';
import type { RestRoutes } from './types.ts';

export const API_PREFIX = '/v2/vectordb/';

export const ROUTES: RestRoutes = {
  ...collectionRoutes,
  ...entityRoutes,
  ...searchRoutes,
  ...partitionRoutes,
  ...indexRoutes,
  ...aliasRoutes,
  ...databaseRoutes,
  ...userRoutes,
  ...roleRoutes,
  ...importRoutes,
};

export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, ContentType, Content-Type, Accept, Accept-Type-Allow-Int64, DB-Name, Request-Timeout, Vesper-Session-Ts',
  'Access-Control-Expose-Headers': 'Vesper-Session-Ts, Vesper-DO-Calls, Server-Timing',
  'Access-Control-Max-Age': '86400',
};

/** Database names as Milvus validates them; anything else cannot name a database. */
const DB_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

/** Session consistency across requests: a write answers its timestamp here; a read may send it back. */
export const SESSION_TS_HEADER = 'Vesper-Session-Ts';

/** Durable Object calls the request made (coordinator, shard leaders, query nodes): the cost of a hop, measured. */
export const DO_CALLS_HEADER = 'Vesper-DO-Calls';

/**
 * The standard `Server-Timing` header, `vesper;dur=<ms>;desc="..."`: time from the request's
 * arrival to its reply being built. Workerd advances its clock only across I/O (DO calls,
 * body reads), so the figure counts waiting on those, not pure CPU time.
 */
export const SERVER_TIMING_HEADER = 'Server-Timing';

export function serverTiming(startedAt: number): string {
  const ms = Math.max(0, Date.now() - startedAt);
  return `vesper;dur=${ms.toFixed(1)};desc="Vesper REST v2"`;
}

export function json(body: unknown, status = 200, extra: Record<string, string> = {}): Response {
  return new Response(stringifyResponse(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...CORS_HEADERS, ...extra } });
}

/**
 * The session timestamp a request carries (decimal hybrid timestamp, below 2^63), if any.
 * Whether the database could have issued it is checked where its oracle is (guaranteeTs).
 * @throws PARAMETER_INVALID (1100)
 */
function sessionTsOf(request: Request): string | undefined {
  const raw = request.headers.get(SESSION_TS_HEADER)?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^[0-9]{1,19}$/.test(raw) || BigInt(raw) >= 1n << 63n) {
    throw new VesperError('PARAMETER_INVALID', `header ${SESSION_TS_HEADER} must be the decimal timestamp a write answered, got ${showValue(raw.slice(0, 40))}`);
  }
  return raw;
}

/**
 * `Accept-Type-Allow-Int64`: whether Int64 values go out as JSON numbers (exact digits) or as
 * decimal strings. As in Milvus, a header that is absent or not a boolean (Go's ParseBool
 * spellings) takes the server default, which is numbers (`proxy.http.acceptTypeAllowInt64`).
 */
function allowInt64Of(request: Request): boolean {
  return parseBoolText(request.headers.get('Accept-Type-Allow-Int64')?.trim() ?? '') ?? true;
}

/** Milvus's error envelope for a VesperError (HTTP 200 unless the code has its own status). */
export function errorResponse(e: unknown): Response {
  const err = VesperError.wrap(e);
  return json({ code: err.code, message: err.message }, err.http === 401 || err.http === 403 || err.http === 408 ? err.http : 200);
}

export function corsPreflight(): Response {
  return new Response(null, { status: 204, headers: CORS_HEADERS });
}

/** Whether the path names a REST v2 endpoint this server answers. */
export function routeOf(pathname: string): string | undefined {
  if (!pathname.startsWith(API_PREFIX)) return undefined;
  const key = pathname.slice(API_PREFIX.length).replace(/\/+$/, '');
  return Object.prototype.hasOwnProperty.call(ROUTES, key) ? key : undefined;
}

/**
 * Endpoints whose every parameter is optional: there Milvus's HTTP server binds a literal JSON
 * `null` body as "no parameters" (the official REST test suite sends it). Elsewhere `null`
 * leaves required parameters missing (1802), as in Milvus.
 */
const NULL_BODY_ROUTES: ReadonlySet<string> = new Set(['collections/list', 'aliases/list', 'users/list', 'roles/list', 'databases/list', 'jobs/import/list']);

/**
 * How long discardBody reads at most before cancelling the stream. Bounded by time, not bytes:
 * reading and dropping holds no memory, while cancelling an upload midway resets the client's
 * connection (EPIPE) and, under local workerd (wrangler dev), broke the requests in flight with
 * it ("Your worker restarted mid-request", seen at 70 MB bodies). Cloudflare's own request
 * size limit bounds an upload in front of the Worker.
 */
const DISCARD_MAX_MS = 60_000;

const notJson = (why: string): VesperError => new VesperError('INCORRECT_PARAMETER_FORMAT', `can only accept json format request, ${why}`);

async function parseBody(request: Request, route: string, maxBytes: number): Promise<Body> {
  const text = await readBody(request, bodyLimitOf(route, maxBytes), route);
  if (text.trim() === '') throw notJson('the request body is empty: send a JSON object ({} when there are no parameters)');
  let value: unknown;
  try {
    value = parseRequestJson(text);
  } catch (e) {
    if (e instanceof VesperError) throw e;
    throw notJson(`the request body is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null) {
    if (NULL_BODY_ROUTES.has(route)) return new Body({});
    throw missing('the request body (null)');
  }
  return Body.of(value, 'request body', text);
}

/**
 * Reads and drops what is left of a request body before answering without it: an answer sent
 * while the client still uploads breaks the connection's next request (seen in local workerd
 * as a non-JSON 503). Bounded: after DISCARD_MAX_MS (or `maxMs`) the stream is cancelled instead.
 */
export async function discardBody(request: Request, maxMs = DISCARD_MAX_MS): Promise<void> {
  // not bodyUsed: a body refused midway by readBody is used, unlocked, and still to drain
  if (request.body === null || request.body.locked) return;
  const reader = request.body.getReader();
  const deadline = Date.now() + maxMs;
  try {
    for (;;) {
      const { done } = await reader.read();
      if (done) return;
      if (Date.now() > deadline) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // the client went away: nothing left to read
  }
}


/** What handleRest needs besides the request. */
export interface RestContext {
  /**
   * The engine of a database (its CatalogCoordinator DO); `primary` marks the engine of the
   * request's own database, whose first call is charged to the rate limit.
   */
  engineFor(dbName: string, primary?: boolean): Engine;
  readonly principal: Principal;
  readonly access: AccessClient;
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
  /** When the request arrived (`Date.now()`), for `Server-Timing`; defaults to handleRest's start. */
  readonly startedAt?: number;
}

/** The timeout of a request that never got room for its body: nothing of it was done. */
function roomTimeout(route: string, ctx: RestContext): VesperError {
  return new VesperError(
    'TIMEOUT',
    `${route} timed out after ${ctx.timeoutMs} ms (Request-Timeout) waiting for its turn: this isolate reads at most ${ctx.maxBodyBytes} bytes of large request bodies at once ` +
      '(VESPER_MAX_BODY_BYTES); nothing of this request was done, retry it',
  );
}

/** Answers one REST call on `route` (from routeOf). */
export async function handleRest(request: Request, route: string, ctx: RestContext): Promise<Response> {
  const startedAt = ctx.startedAt ?? Date.now();
  // A large bulk body waits for room in the isolate (limits.ts BodyRoom) before it is read;
  // the ticket is held until the answer is built, as the request's values live that long.
  const need = roomNeeded(request, route, ctx.maxBodyBytes);
  const ticket: RoomTicket | undefined = need > 0 ? bodyRoomOf(ctx.maxBodyBytes).take(need) : undefined;
  // Started now and awaited on every path, so no answer leaves before the body is read.
  const body = ticket ? ticket.ready.then(() => parseBody(request, route, ctx.maxBodyBytes)) : parseBody(request, route, ctx.maxBodyBytes);
  body.catch(() => undefined);
  let engine: Engine | undefined;
  try {
    const reply = await withTimeout(ctx.timeoutMs, route, async () => {
      const b = await body;
      checkRequestKeys(route, b);
      const dbName = b.str('dbName') || request.headers.get('DB-Name') || 'default';
      const isDatabaseCall = route.startsWith('databases/');
      if (!isDatabaseCall && !DB_NAME.test(dbName)) throw new VesperError('DATABASE_NOT_FOUND', `database not found[database=${dbName}]`);
      engine = ctx.engineFor(dbName, true);
      const guard = new RequestGuard(route, ctx.principal, ctx.access, dbName, engine);
      await guard.before(b);
      const sessionTs = sessionTsOf(request);
      const out = await ROUTES[route]!({
        ...(sessionTs !== undefined ? { sessionTs } : {}),
        body: b,
        dbName,
        allowInt64: allowInt64Of(request),
        engine,
        engineFor: (db) => {
          if (!DB_NAME.test(db)) throw new VesperError('DATABASE_INVALID_NAME', `invalid database name ${showValue(db)}: use letters, digits and underscores, starting with a letter or underscore`);
          return ctx.engineFor(db);
        },
        principal: ctx.principal,
        access: ctx.access,
        authorizeOn: (collection) => guard.on(collection),
      });
      guard.finish();
      return out;
    });
    const extra: Record<string, string> = reply.sessionTs !== undefined ? { [SESSION_TS_HEADER]: reply.sessionTs } : {};
    const calls = engine?.doCalls?.();
    if (calls !== undefined) extra[DO_CALLS_HEADER] = String(calls);
    extra[SERVER_TIMING_HEADER] = serverTiming(startedAt);
    return json({ code: 0, data: reply.data, ...(reply.topks !== undefined ? { topks: reply.topks } : {}), ...(reply.description !== undefined ? { description: reply.description } : {}) }, 200, extra);
  } catch (e) {
    // a request timed out while waiting for room leaves the queue; its body is drained unread
    const queued = ticket !== undefined && !ticket.granted;
    ticket?.release();
    await body.catch(() => undefined);
    await discardBody(request);
    const res = errorResponse(queued && VesperError.is(e, 'TIMEOUT') ? roomTimeout(route, ctx) : e);
    res.headers.set(SERVER_TIMING_HEADER, serverTiming(startedAt));
    return res;
  } finally {
    ticket?.release();
  }
}
