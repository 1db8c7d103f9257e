/**
 * Request limits (Milvus's quota and limits, REST side): a token bucket per (database, kind)
 * for DML, DQL and DDL requests, answered with code 1807 (HTTP 200) when empty; a body size
 * limit (1102); and a per-request deadline from the `Request-Timeout` header (seconds, as
 * Milvus's REST server reads it) answered with HTTP 408, code 10001.
 *
 * Rates are requests per second with a burst of one second's worth. They come from the
 * database's properties (`vesper.rate.dml`, `vesper.rate.dql`, `vesper.rate.ddl`) or else the
 * Worker vars (VESPER_RATE_DML, VESPER_RATE_DQL, VESPER_RATE_DDL); unset or 0 means no limit.
 * The buckets live in the database's CatalogCoordinator DO, the one place every request of
 * that database passes, so the limit holds across all Worker isolates.
 *
 * The real size limits: a request body up to DEFAULT_MAX_BODY_BYTES (32 MiB, Worker var
 * VESPER_MAX_BODY_BYTES; above it 1102, never retriable) for inserts, upserts and searches, and
 * at most MAX_PLAIN_BODY_BYTES (8 MiB) for every other route. An insert or upsert of any size
 * under that is accepted: the proxy sends each shard's rows to its leader in parts of at most
 * 12 MiB of row JSON (data/write-parts.ts WRITE_CHUNK_BYTES), under Durable Object RPC's
 * 32 MiB message limit, and answers once every part is durable. A single row must stay under
 * the RPC limit (varchar and JSON fields are bounded far below it by the schema). Note
 * Cloudflare's own request-body limit of the plan (100 MB on Free/Pro) also applies in front.
 *
 * Why 32 MiB and not Milvus's 64: a Worker isolate has 128 MB for everything, and an insert
 * holds about 2.4 times its body while the Worker converts and routes it (the text, the parsed
 * rows and the routed columns; `npm run bench -- body-memory`). A BodyRoom per isolate admits
 * bulk bodies of at most that many bytes at once, so concurrent large requests wait their turn
 * instead of adding up past the isolate's memory.
 */
import { VesperError, showValue } from '@vesper/core';

export type RequestKind = 'dml' | 'dql' | 'ddl';

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/** The bulk body limit of a Worker: its VESPER_MAX_BODY_BYTES var, else DEFAULT_MAX_BODY_BYTES. */
export function maxBodyBytesOf(vars: { readonly VESPER_MAX_BODY_BYTES?: string | undefined }): number {
  const v = Number(vars.VESPER_MAX_BODY_BYTES);
  return v > 0 ? v : DEFAULT_MAX_BODY_BYTES;
}
export const DEFAULT_TIMEOUT_S = 30;
const MAX_TIMEOUT_S = 300;

const DML = new Set(['entities/insert', 'entities/upsert', 'entities/delete', 'jobs/import/create']);
const DQL = new Set(['entities/search', 'entities/hybrid_search', 'entities/advanced_search', 'entities/query', 'entities/get']);

/** The rate-limit kind of a REST route; users/roles are not limited per database. */
export function kindOf(route: string): RequestKind | undefined {
  if (DML.has(route)) return 'dml';
  if (DQL.has(route)) return 'dql';
  if (route.startsWith('users/') || route.startsWith('roles/') || route.startsWith('jobs/')) return undefined;
  return 'ddl';
}

/** A token bucket: `rate` tokens per second, at most `rate` (minimum 1) in store. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    now: number,
  ) {
    this.tokens = Math.max(1, rate);
    this.last = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    const cap = Math.max(1, this.rate);
    this.tokens = Math.min(cap, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Per-kind buckets of one database, re-created when its configured rate changes. */
export class RateLimiter {
  private readonly buckets = new Map<RequestKind, TokenBucket>();

  /**
   * @param rate requests per second for this kind (0 or NaN: unlimited)
   * @throws HTTP_RATE_LIMIT (1807) when the bucket is empty
   */
  admit(db: string, kind: RequestKind, rate: number, now = Date.now()): void {
    if (!(rate > 0)) return;
    let b = this.buckets.get(kind);
    if (b === undefined || b.rate !== rate) {
      b = new TokenBucket(rate, now);
      this.buckets.set(kind, b);
    }
    if (!b.take(now)) {
      throw new VesperError('HTTP_RATE_LIMIT', `rate limit exceeded[database=${db}, kind=${kind}, rate=${rate}/s]: slow down and retry`);
    }
  }
}

/** The rate for `kind`: the database property wins over the Worker var. */
export function rateFor(kind: RequestKind, props: Readonly<Record<string, string>>, vars: Readonly<Record<string, unknown>>): number {
  const prop = props[`vesper.rate.${kind}`];
  const v = prop ?? vars[`VESPER_RATE_${kind.toUpperCase()}`];
  return typeof v === 'string' || typeof v === 'number' ? Number(v) : 0;
}

/**
 * The request's time budget in ms: header `Request-Timeout` (seconds, fractions allowed) or
 * the Worker var VESPER_REQUEST_TIMEOUT_S, else 30 s; capped at 300 s.
 * @throws INCORRECT_PARAMETER_FORMAT (1801) for a header that is not a positive number
 */
export function timeoutMs(request: Request, fallbackSeconds: string | undefined): number {
  const header = request.headers.get('Request-Timeout');
  const raw = header ?? fallbackSeconds;
  if (raw === undefined || raw.trim() === '') return DEFAULT_TIMEOUT_S * 1000;
  const s = Number(raw);
  if (!(s > 0)) {
    if (header === null) return DEFAULT_TIMEOUT_S * 1000;
    throw new VesperError('INCORRECT_PARAMETER_FORMAT', `Request-Timeout must be a positive number of seconds, got ${showValue(raw)}`);
  }
  return Math.min(s, MAX_TIMEOUT_S) * 1000;
}

/** Runs `work` with a deadline. @throws TIMEOUT (10001, HTTP 408) when it is not done in time. */
export async function withTimeout<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new VesperError('TIMEOUT', `${what} timed out after ${ms} ms (Request-Timeout); the work may still complete — check before retrying writes`)), ms);
  });
  try {
    return await Promise.race([work(), expired]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * The body limit of requests that carry no bulk data: everything but inserts, upserts,
 * searches and imports (their rows or vectors are what the full limit is for). Such a body is
 * a filter (at most EXPR_LIMITS.maxLength = 2 Mi characters, up to 3 bytes each in UTF-8), a
 * list of ids, a schema or names, so 8 MiB is room to spare. It keeps a 20 MB `id in [1,1,...]`
 * from being decoded and parsed at all: refused while reading, after at most 8 MiB.
 */
export const MAX_PLAIN_BODY_BYTES = 8 * 1024 * 1024;

const BULK_ROUTES: ReadonlySet<string> = new Set(['entities/insert', 'entities/upsert', 'entities/search', 'entities/hybrid_search', 'entities/advanced_search', 'replica/write']);

/** The body limit of `route`: the configured limit for bulk routes, else at most MAX_PLAIN_BODY_BYTES. */
export function bodyLimitOf(route: string, maxBodyBytes: number): number {
  return BULK_ROUTES.has(route) ? maxBodyBytes : Math.min(maxBodyBytes, MAX_PLAIN_BODY_BYTES);
}

const EMPTY = new Uint8Array(0);

/**
 * The body as text, refusing bodies over `maxBytes` and bytes that are not UTF-8. The body is
 * streamed and refused as soon as it passes the limit (a declared Content-Length over it is
 * refused before reading), so an over-long body is never held whole; what is left of it is the
 * caller's to drain (router.ts discardBody), as the reader's lock is released first.
 * @throws PARAMETER_TOO_LARGE (1102), INCORRECT_PARAMETER_FORMAT (1801)
 */
export async function readBody(request: Request, maxBytes: number, route = 'the request'): Promise<string> {
  const advice = BULK_ROUTES.has(route) ? 'split the batch into smaller requests' : 'shorten the filter or the list of ids';
  const tooLarge = (n: string): VesperError =>
    new VesperError('PARAMETER_TOO_LARGE', `request body too large: ${n} bytes, over the limit of ${maxBytes} bytes for ${route}; ${advice}`);
  const declared = Number(request.headers.get('Content-Length') ?? NaN);
  if (declared > maxBytes) throw tooLarge(String(declared));
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body !== null) {
    const reader = request.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) throw tooLarge(`more than ${maxBytes}`);
        chunks.push(value);
      }
    } finally {
      reader.releaseLock();
    }
  }
  const bytes = chunks.length === 1 ? chunks[0]! : new Uint8Array(total);
  if (chunks.length !== 1) {
    // each chunk is let go once copied, so chunks and copy never hold the body twice over
    let at = 0;
    for (let i = 0; i < chunks.length; i++) {
      bytes.set(chunks[i]!, at);
      at += chunks[i]!.byteLength;
      chunks[i] = EMPTY;
    }
  }
  chunks.length = 0;
  try {
    // fatal: replacement characters would mangle keys into ones silently ignored
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new VesperError('INCORRECT_PARAMETER_FORMAT', 'can only accept json format request, the request body is not valid UTF-8');
  }
}

/** Bulk bodies below this many bytes (declared) skip the BodyRoom: small searches never queue. */
export const ROOM_MIN_BYTES = 1024 * 1024;

/**
 * A place in a BodyRoom: `ready` resolves when granted and rejects if the ticket is released
 * before that; `release` frees the place or leaves the queue (idempotent).
 */
export interface RoomTicket {
  readonly ready: Promise<void>;
  readonly granted: boolean;
  release(): void;
}

/**
 * Admission of large request bodies into one isolate: tickets of `bytes` are granted first in,
 * first out while the bytes granted stay within `capacity` (a ticket for more than the capacity
 * waits until it is alone). What a request holds while it is converted grows with its body, so
 * this bounds the memory of the large requests an isolate works on at once.
 */
export class BodyRoom {
  private used = 0;
  private readonly queue: { bytes: number; grant: () => void }[] = [];

  constructor(readonly capacity: number) {}

  /** Bytes granted now (for tests and stats). */
  get inUse(): number {
    return this.used;
  }

  /** Tickets waiting. */
  get waiting(): number {
    return this.queue.length;
  }

  take(bytes: number): RoomTicket {
    const need = Math.min(Math.max(0, bytes), this.capacity);
    let state: 'waiting' | 'granted' | 'released' = 'waiting';
    let grant!: () => void;
    let refuse!: () => void;
    const ready = new Promise<void>((resolve, reject) => {
      grant = () => {
        state = 'granted';
        this.used += need;
        resolve();
      };
      refuse = () => reject(new VesperError('TIMEOUT', 'the request left the queue for room before its body was read'));
    });
    ready.catch(() => undefined);
    const entry = { bytes: need, grant: () => grant() };
    this.queue.push(entry);
    this.admit();
    return {
      ready,
      get granted() {
        return state === 'granted';
      },
      release: () => {
        if (state === 'granted') this.used -= need;
        else if (state === 'waiting') {
          this.queue.splice(this.queue.indexOf(entry), 1);
          refuse();
        }
        state = 'released';
        this.admit();
      },
    };
  }

  private admit(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (this.used > 0 && this.used + head.bytes > this.capacity) return;
      this.queue.shift();
      head.grant();
    }
  }
}

const rooms = new Map<number, BodyRoom>();

/** The isolate's BodyRoom for a body limit (one per configured limit; normally one). */
export function bodyRoomOf(capacity: number): BodyRoom {
  let room = rooms.get(capacity);
  if (room === undefined) rooms.set(capacity, (room = new BodyRoom(capacity)));
  return room;
}

/**
 * The room a bulk request's body needs before it is read: its declared Content-Length, or the
 * route's whole limit when the length is not declared; none for other routes and small bodies.
 */
export function roomNeeded(request: Request, route: string, maxBodyBytes: number): number {
  if (!BULK_ROUTES.has(route)) return 0;
  const declared = Number(request.headers.get('Content-Length') ?? NaN);
  if (Number.isFinite(declared)) return declared >= ROOM_MIN_BYTES && declared <= maxBodyBytes ? declared : 0;
  return maxBodyBytes;
}
