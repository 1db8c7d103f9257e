/**
 * CollectionReplica: a local, read-only copy of one server collection (issue 16's "local
 * replica"), answering reads through the same pipeline as every other host. Its read state is
 * the pieces other readers use: one SealedReplica holding every shard's sealed segments (the
 * server's files, copied into the local object store under the same keys) and one ReplicaTail
 * per shard (the server's growing rows, from its WAL, with their server timestamps). Reads run
 * at `ts`, the newest timestamp every shard's copied state covers.
 *
 * Invariants:
 * - A sync applies one feed: every shard's (records, tail) pair was read under that shard's
 *   write lock, and reads move to the feed's timestamp only once all of it is applied — a read
 *   sees the server's state at one timestamp, never a mix. Reads wait while a sync swaps.
 * - Files first, then the state record: a sync copies and checks every file (size, CRC-32 from
 *   the server, ETag), writes the tail blobs, and only then commits the state record (one
 *   MetaStore put). A crash before the commit leaves the previous state whole; files already
 *   copied are kept (their ETag is recorded) and not fetched again.
 * - Offline: a replica with a committed state opens and answers without the server.
 */
import { ErrorCodes, VesperError } from '../errors/index.ts';
import type { MetaStore } from '../adapters/meta-store.ts';
import type { ObjectStore } from '../adapters/object-store.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import { physicalMs } from '../catalog/tso.ts';
import type { VectorIndexFactory } from '../index/vector-index.ts';
import { MANIFEST_READER_FLAGS } from '../storage/manifest.ts';
import { SealedReplica, type ReplicaAssignment } from '../segments/sealed-replica.ts';
import type { Segment } from '../segments/segment.ts';
import { KeyedQueue } from '../util/keyed-queue.ts';
import { ReplicaTail } from './replica-tail.ts';
import type { ReplicaTransport } from './replica-transport.ts';
import { fromWire, fromWireBinary, recordKeys, toWire, toWireBinary, type ReplicaFeed, type ReplicaFile, type ShardFeed, type TailEntry } from './replica-wire.ts';

export interface CollectionReplicaOptions {
  readonly transport: ReplicaTransport;
  /** Where the copied files and tail blobs live. */
  readonly objects: ObjectStore;
  /** Where the replica's state record and file ETags live. */
  readonly meta: MetaStore;
  readonly db?: string;
  readonly collection: string;
  readonly indexFactory?: (indexType: string) => VectorIndexFactory;
  /** Files copied at once during a sync (default 4). */
  readonly concurrency?: number;
  readonly clock?: () => number;
}

/** What `replicaStatus()` reports. */
export interface ReplicaStatus {
  readonly collection: string;
  /** The server timestamp local reads run at (decimal hybrid timestamp; "0" before the first sync). */
  readonly ts: string;
  /** Milliseconds between that timestamp's physical time and now: how stale local reads can be. */
  readonly lagMs: number;
  /** Bytes held locally (copied files and tail blobs). */
  readonly bytes: number;
  /** When the last sync succeeded (epoch ms), undefined before one. */
  readonly lastSyncAt: number | undefined;
  /** Whether the last contact with the server succeeded. */
  readonly online: boolean;
  /** Code and message of the last failed sync, if the last attempt failed. */
  readonly lastError?: { readonly code: number; readonly message: string };
  /** Manifest version per shard. */
  readonly manifestVersions: readonly number[];
  /** Writes to this collection made through the replica and not yet acknowledged by the server. */
  readonly pendingWrites: number;
}

/** A shard as the state record keeps it: the feed's sealed half, and the tail as blob keys. */
type ShardState = Pick<ShardFeed, 'shard' | 'manifestVersion' | 'checkpoint' | 'records' | 'pending'> & { readonly tailKeys: readonly string[] };

interface StateRecord {
  readonly format: 1 | 2;
  readonly info: CollectionInfo;
  readonly ts: bigint;
  readonly syncedAt: number;
  readonly bytes: number;
  readonly shards: readonly ShardState[];
}

/**
 * 2: tail blobs are written in the binary wire form (`tail-<a>-<b>.bin`); 1 wrote them as JSON
 * with base64 bytes (`.json`). This build reads both (a blob's form is its key's suffix) and
 * writes 2, so an older build refuses the record by its format instead of misreading a blob.
 */
const STATE_FORMAT = 2;
const STATE_FORMATS_READ: readonly number[] = [1, 2];
/**
 * Feeds one `sync()` asks for when a file the previous feed named is gone by the time it is
 * fetched (the server compacted and collected it meanwhile); past that the sync fails.
 */
const SYNC_ATTEMPTS = 4;

export class CollectionReplica {
  readonly db: string;
  readonly name: string;
  private state: StateRecord | undefined;
  private stateVersion: number | undefined;
  private sealed: SealedReplica | undefined;
  private tails = new Map<number, ReplicaTail>();
  private readonly queue = new KeyedQueue();
  private swapping: Promise<void> | undefined;
  private online = false;
  private lastError: VesperError | undefined;
  /** Set when a sync found the collection dropped on the server: reads answer it. */
  private dropped: VesperError | undefined;
  private readonly clock: () => number;

  private constructor(private readonly opts: CollectionReplicaOptions) {
    this.db = opts.db ?? 'default';
    this.name = opts.collection;
    this.clock = opts.clock ?? Date.now;
  }

  /**
   * Opens the replica: from its committed local state when there is one (no server needed),
   * else by a first sync.
   * @throws SERVICE_UNAVAILABLE when there is no local state and the server is unreachable
   */
  static async open(opts: CollectionReplicaOptions): Promise<CollectionReplica> {
    const r = new CollectionReplica(opts);
    const rec = await opts.meta.get(r.stateKey);
    if (rec === undefined) {
      await r.sync();
      return r;
    }
    const state = fromWire(rec.value) as StateRecord;
    if (!STATE_FORMATS_READ.includes(state.format)) throw new VesperError('FORMAT_UNSUPPORTED', `replica state of ${r.name} has format ${state.format}, this build reads ${STATE_FORMATS_READ.join(' and ')}`);
    const tails = new Map<number, ReplicaTail>();
    for (const s of state.shards) {
      const tail = new ReplicaTail(s.shard, s.checkpoint, state.info.schema);
      for (const key of s.tailKeys) tail.apply(await r.readTail(key));
      tails.set(s.shard, tail);
    }
    await r.install(state, rec.version, tails);
    return r;
  }

  private get stateKey(): string {
    return `replica/${this.db}/${this.name}`;
  }

  /** False once a sync found the collection dropped on the server (until it exists again). */
  get held(): boolean {
    return this.dropped === undefined;
  }

  /** The catalog entry as of the last sync. */
  get info(): CollectionInfo {
    if (this.dropped) throw this.dropped;
    if (!this.state) throw new VesperError('SERVICE_NOT_READY', `replica of ${this.name} has no state yet`);
    return this.state.info;
  }

  /** The server timestamp reads run at. */
  get ts(): bigint {
    return this.state?.ts ?? 0n;
  }

  /**
   * Runs a read against the current state: the tails' segments and the sealed replica, at `ts`.
   * Waits while a sync swaps the state.
   */
  async read<T>(fn: (view: ReplicaView) => T | Promise<T>): Promise<T> {
    while (this.swapping) await this.swapping;
    if (this.dropped) throw this.dropped;
    if (!this.state || !this.sealed) throw new VesperError('SERVICE_NOT_READY', `replica of ${this.name} has no state yet`);
    const tails = [...this.tails.values()];
    return fn({ info: this.state.info, ts: this.state.ts, sealed: this.sealed, growing: (parts) => tails.flatMap((t) => t.segments(parts)) });
  }

  /**
   * Brings the replica up to the server's current state (files by manifest, tails by WAL LSN).
   * Calls are serialized. A failure changes nothing local that reads see and marks the replica
   * offline (`replicaStatus().online`).
   */
  sync(): Promise<void> {
    return this.queue.run(['sync'], async () => {
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            await this.syncOnce();
            break;
          } catch (e) {
            // the server moved on while this sync copied: a compaction committed and collected
            // a file the feed named (IO_KEY_NOT_FOUND, "describe the collection again") — the
            // next feed names the files that replaced it
            if (attempt >= SYNC_ATTEMPTS || !VesperError.is(e, 'IO_KEY_NOT_FOUND')) throw e;
          }
        }
        this.online = true;
        this.lastError = undefined;
      } catch (e) {
        const err = VesperError.wrap(e);
        this.online = false;
        this.lastError = err;
        throw err;
      }
    });
  }

  private async syncOnce(): Promise<void> {
    const t = this.opts.transport;
    const same = this.state !== undefined;
    const positions = same ? this.state!.shards.map((s) => ({ shard: s.shard, checkpoint: s.checkpoint, afterLsn: this.tails.get(s.shard)?.lastLsn ?? s.checkpoint })) : [];
    let feed: ReplicaFeed;
    try {
      feed = await t.feed(this.db, this.name, positions);
    } catch (e) {
      const err = VesperError.wrap(e);
      // dropped on the server: the copy follows (a replica never shows what the server no longer has)
      if (err.code === ErrorCodes.COLLECTION_NOT_FOUND.code && this.state) return this.forget(err);
      throw err;
    }
    this.dropped = undefined;
    // a collection dropped and created again under the name is a new replica
    const fresh = !this.state || this.state.info.id !== feed.info.id;
    for (const f of feed.shards) {
      const unknown = (f.readerFlags & ~MANIFEST_READER_FLAGS) >>> 0;
      if (unknown !== 0) throw new VesperError('FORMAT_UNSUPPORTED', `${this.name}: the server's manifest needs reader features 0x${unknown.toString(16)} this build does not know; upgrade Vesper`);
    }
    await this.copyFiles(feed.shards.flatMap((s) => s.files));
    const shards: ShardState[] = [];
    const tails = new Map<number, ReplicaTail>();
    let tailBytes = 0;
    for (const f of feed.shards) {
      const prev = fresh ? undefined : this.state!.shards.find((s) => s.shard === f.shard);
      const keep = f.reset || !prev ? [] : prev.tailKeys;
      const added = f.tail.length > 0 ? [await this.writeTail(feed.info.id, f.shard, f.tail)] : [];
      const tailKeys = [...keep, ...added];
      for (const k of tailKeys) tailBytes += (await this.opts.objects.head(k))?.size ?? 0;
      shards.push({ shard: f.shard, manifestVersion: f.manifestVersion, checkpoint: f.checkpoint, records: f.records, pending: f.pending, tailKeys });
      const old = fresh || f.reset ? undefined : this.tails.get(f.shard);
      const tail = old ?? new ReplicaTail(f.shard, f.checkpoint, feed.info.schema);
      tail.apply(f.tail);
      tails.set(f.shard, tail);
    }
    const fileBytes = feed.shards.reduce((n, s) => n + s.files.reduce((m, x) => m + x.size, 0), 0);
    const state: StateRecord = { format: STATE_FORMAT, info: feed.info, ts: feed.ts, syncedAt: this.clock(), bytes: fileBytes + tailBytes, shards };
    const version = await this.opts.meta.put(this.stateKey, toWire(state), fresh ? undefined : this.stateVersion);
    if (fresh && this.sealed) this.sealed.close();
    // also when only the tails moved: the sealed replica's sync finds every record the same and
    // only drops the columns reads brought back (measured: no cost worth skipping it for)
    await this.install(state, version, tails, fresh);
    await this.collectGarbage(feed);
  }

  /**
   * The collection was dropped on the server: the state record goes first (a crash after it
   * leaves only unreferenced files), then the files; reads answer COLLECTION_NOT_FOUND until a
   * collection of that name exists again.
   */
  private async forget(why: VesperError): Promise<void> {
    const id = this.state!.info.id;
    let done!: () => void;
    this.swapping = new Promise((r) => (done = r));
    try {
      await this.opts.meta.delete(this.stateKey);
      this.sealed?.close();
      this.sealed = undefined;
      this.state = undefined;
      this.stateVersion = undefined;
      this.tails = new Map();
      this.dropped = new VesperError('COLLECTION_NOT_FOUND', `collection ${this.name} was dropped on the server (${why.message}); this replica no longer holds it`);
    } finally {
      this.swapping = undefined;
      done();
    }
    const listed = [...(await this.opts.objects.list(`c${id}/`)), ...(await this.opts.objects.list(`replica/c${id}/`))].map((o) => o.key);
    if (listed.length > 0) await this.opts.objects.delete(listed);
    for (const k of listed) await this.opts.meta.delete(etagKey(k));
  }

  /** Swaps the read state in: reads wait until the sealed replica and the tails are the feed's. */
  private async install(state: StateRecord, version: number, tails: Map<number, ReplicaTail>, fresh = true): Promise<void> {
    let done!: () => void;
    this.swapping = new Promise((r) => (done = r));
    try {
      const src = { objects: this.opts.objects, schema: state.info.schema, indexFactory: this.opts.indexFactory };
      if (fresh || !this.sealed) this.sealed = new SealedReplica(src);
      else this.sealed.setSource(src);
      await this.sealed.sync(assignmentOf(state));
      this.tails = tails;
      this.state = state;
      this.stateVersion = version;
    } finally {
      this.swapping = undefined;
      done();
    }
  }

  /** Copies the files not held yet (or held with another ETag), `concurrency` at a time. */
  private async copyFiles(files: readonly ReplicaFile[]): Promise<void> {
    const todo: ReplicaFile[] = [];
    for (const f of files) {
      const have = await this.opts.objects.head(f.key);
      const etag = await this.opts.meta.get(etagKey(f.key));
      if (!have || have.size !== f.size || etag?.value !== f.etag) todo.push(f);
    }
    const workers = Array.from({ length: Math.min(this.opts.concurrency ?? 4, todo.length) }, async () => {
      for (let f = todo.shift(); f !== undefined; f = todo.shift()) {
        const got = await this.opts.transport.file(this.db, this.name, f.key);
        if (got.bytes.length !== f.size || (got.etag !== '' && got.etag !== f.etag)) {
          throw new VesperError('IO_FAILED', `replica file ${f.key}: got ${got.bytes.length} bytes with ETag ${got.etag}, the feed listed ${f.size} bytes with ETag ${f.etag}; retry the sync`);
        }
        await this.opts.objects.put(f.key, got.bytes);
        await this.opts.meta.put(etagKey(f.key), f.etag);
      }
    });
    await Promise.all(workers);
  }

  /** Stores a feed's tail entries as one blob in the binary wire form (raw WAL records, no base64). */
  private async writeTail(collectionId: number, shard: number, entries: readonly TailEntry[]): Promise<string> {
    const key = `replica/c${collectionId}/s${shard}/tail-${entries[0]!.lsn}-${entries[entries.length - 1]!.lsn}.bin`;
    await this.opts.objects.put(key, toWireBinary(entries));
    return key;
  }

  /** A tail blob: `.bin` in the binary wire form, `.json` (state format 1) as JSON text. */
  private async readTail(key: string): Promise<TailEntry[]> {
    const bytes = await this.opts.objects.get(key);
    if (!bytes) throw new VesperError('IO_KEY_NOT_FOUND', `replica of ${this.name}: tail blob ${key} is missing; delete the replica's storage and sync again`);
    return (key.endsWith('.json') ? fromWire(new TextDecoder().decode(bytes)) : fromWireBinary(bytes)) as TailEntry[];
  }

  /** Deletes local files and tail blobs the committed state no longer names (server compaction and GC). */
  private async collectGarbage(feed: ReplicaFeed): Promise<void> {
    const keep = new Set<string>();
    for (const s of this.state!.shards) {
      for (const rec of s.records) for (const k of recordKeys(rec)) keep.add(k);
      for (const k of s.tailKeys) keep.add(k);
    }
    const listed = [...(await this.opts.objects.list(`c${feed.info.id}/`)), ...(await this.opts.objects.list(`replica/c${feed.info.id}/`))];
    const gone = listed.map((o) => o.key).filter((k) => !keep.has(k));
    if (gone.length === 0) return;
    await this.opts.objects.delete(gone);
    for (const k of gone) await this.opts.meta.delete(etagKey(k));
  }

  status(): Omit<ReplicaStatus, 'pendingWrites'> {
    const s = this.state;
    return {
      collection: this.name,
      ts: (s?.ts ?? 0n).toString(),
      lagMs: s ? Math.max(0, this.clock() - physicalMs(s.ts)) : Number.POSITIVE_INFINITY,
      bytes: s?.bytes ?? 0,
      lastSyncAt: s?.syncedAt,
      online: this.online,
      ...(this.lastError ? { lastError: { code: this.lastError.code, message: this.lastError.message } } : {}),
      manifestVersions: s ? s.shards.map((x) => x.manifestVersion) : [],
    };
  }

  close(): void {
    this.sealed?.close();
    this.tails.clear();
  }
}

/** What a read sees: the catalog entry, the read timestamp, the sealed replica and the tails' segments. */
export interface ReplicaView {
  readonly info: CollectionInfo;
  readonly ts: bigint;
  readonly sealed: SealedReplica;
  growing(partitionIds: ReadonlySet<number> | undefined): Segment[];
}

function assignmentOf(state: StateRecord): ReplicaAssignment {
  return { records: state.shards.flatMap((s) => s.records), pending: state.shards.flatMap((s) => s.pending) };
}

function etagKey(key: string): string {
  return `replica-file/${key}`;
}
