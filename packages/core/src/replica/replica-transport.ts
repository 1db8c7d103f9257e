/**
 * How a local replica reaches the server's replica endpoints (replica-wire.ts). Core has no
 * `fetch` of its own (it is runtime-specific): the opener passes the runtime's.
 */
import { VesperError } from '../errors/index.ts';
import { crc32 } from '../util/crc32.ts';
import { fromWire, fromWireBinary, toWire, REPLICA_API_PREFIX, WIRE_BINARY_TYPE, type ReplicaFeed, type ShardPosition } from './replica-wire.ts';
import type { ForwardedMethod } from './write-outbox.ts';

/** A file's bytes as served, with the server's ETag (checked against the CRC-32 it sent). */
export interface FetchedFile {
  readonly bytes: Uint8Array;
  readonly etag: string;
}

export interface ReplicaTransport {
  /** The catalog entry and every shard's sealed records and files, without tails. */
  describe(db: string, collection: string): Promise<ReplicaFeed>;
  /** Every shard's state: records, files, and the tail after `positions` (from the checkpoint when absent or stale). */
  feed(db: string, collection: string, positions: readonly ShardPosition[]): Promise<ReplicaFeed>;
  /** One file's bytes, verified (size, CRC-32). @throws IO_FAILED (retriable) on a damaged transfer */
  file(db: string, collection: string, key: string): Promise<FetchedFile>;
  /**
   * A forwarded write (exactly once per `requestId`); resolves with the server's answer.
   * @throws the server's coded error; SERVICE_UNAVAILABLE (retriable) when it cannot be reached
   */
  write(db: string, collection: string, method: ForwardedMethod, request: Record<string, unknown>, requestId: string): Promise<unknown>;
}

export type FetchFn = (input: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

export interface HttpReplicaOptions {
  /** The endpoint's origin, e.g. `https://my-worker.example` or `http://127.0.0.1:8787`. */
  readonly url: string;
  /** `user:password` or an API key (sent as `Authorization: Bearer <token>`). */
  readonly token?: string;
  readonly fetch: FetchFn;
}

/** The replica endpoints over HTTP. A failed connection is SERVICE_UNAVAILABLE (2, retriable). */
export class HttpReplicaTransport implements ReplicaTransport {
  private readonly base: string;

  constructor(private readonly opts: HttpReplicaOptions) {
    this.base = opts.url.replace(/\/+$/, '') + REPLICA_API_PREFIX;
  }

  private headers(): Record<string, string> {
    return this.opts.token ? { Authorization: `Bearer ${this.opts.token}` } : {};
  }

  private async send(path: string, init: { method?: string; headers?: Record<string, string>; body?: string }) {
    try {
      return await this.opts.fetch(this.base + path, { ...init, headers: { ...this.headers(), ...init.headers } });
    } catch (e) {
      throw new VesperError('SERVICE_UNAVAILABLE', `replica endpoint ${this.opts.url} is unreachable (${(e as Error).message}); local reads go on, sync retries`);
    }
  }

  /**
   * POSTs a JSON body and reads the Vesper envelope. With `binary`, asks for the binary wire
   * form (bytes not base64-encoded); a server that predates it answers JSON, read as before.
   */
  private async post<T = ReplicaFeed>(action: string, body: Record<string, unknown>, binary = false): Promise<T> {
    const accept: Record<string, string> = binary ? { Accept: `${WIRE_BINARY_TYPE}, application/json` } : {};
    const res = await this.send(action, { method: 'POST', headers: { 'Content-Type': 'application/json', ...accept }, body: toWire(body) });
    let reply: { code?: number; message?: string; data?: T };
    try {
      const isBinary = binary && (res.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase() === WIRE_BINARY_TYPE;
      reply = (isBinary ? fromWireBinary(new Uint8Array(await res.arrayBuffer())) : fromWire(await res.text())) as typeof reply;
    } catch {
      // a proxy's or platform's error page: not an answer of the endpoint, so worth retrying
      throw new VesperError('SERVICE_UNAVAILABLE', `replica endpoint answered HTTP ${res.status} with no Vesper envelope`);
    }
    if (reply.code !== 0 || reply.data === undefined) throw remoteError(reply, res.status);
    return reply.data;
  }

  write(db: string, collection: string, method: ForwardedMethod, request: Record<string, unknown>, requestId: string): Promise<unknown> {
    return this.post<unknown>('write', { dbName: db, collectionName: collection, method, request, requestId });
  }

  describe(db: string, collection: string): Promise<ReplicaFeed> {
    return this.post('describe', { dbName: db, collectionName: collection }, true);
  }

  feed(db: string, collection: string, positions: readonly ShardPosition[]): Promise<ReplicaFeed> {
    return this.post('feed', { dbName: db, collectionName: collection, shards: positions }, true);
  }

  async file(db: string, collection: string, key: string): Promise<FetchedFile> {
    const q = new URLSearchParams({ dbName: db, collectionName: collection, key });
    const res = await this.send(`file?${q.toString()}`, { method: 'GET' });
    if (res.status !== 200) throw remoteError(fromWire(await res.text()) as { code?: number; message?: string }, res.status);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const sent = res.headers.get('Vesper-Crc32');
    const length = res.headers.get('Content-Length');
    if ((length !== null && Number(length) !== bytes.length) || sent === null || Number(sent) !== crc32(bytes)) {
      throw new VesperError('IO_FAILED', `replica file ${key}: ${bytes.length} bytes arrived damaged (CRC-32 ${crc32(bytes)}, server sent ${sent}); retry the sync`);
    }
    return { bytes, etag: res.headers.get('ETag') ?? '' };
  }
}

function remoteError(reply: { code?: number; message?: string }, status: number): VesperError {
  if (typeof reply.code === 'number' && reply.code !== 0) return VesperError.fromJSON({ code: reply.code, message: reply.message ?? `replica endpoint answered code ${reply.code}` });
  return new VesperError('SERVICE_UNAVAILABLE', `replica endpoint answered HTTP ${status} without a Vesper envelope`);
}
