/**
 * SegmentManager: one collection's data (DataNode + the shard side of QueryNode in Milvus).
 * Per shard it owns the WAL channel, the growing segments (one per partition) and the
 * write path; for the collection it owns the sealed segments and the manifest.
 *
 * Invariants:
 * - A write is applied to memory only after its WAL append resolved, and acknowledged
 *   after that: nothing acknowledged is lost, nothing unacknowledged is visible.
 * - Per shard, writes are serialized and get increasing timestamps in WAL order.
 * - Files are written before the manifest that references them; the manifest commit carries
 *   the shard's WAL checkpoint, and the WAL is truncated only after the commit.
 * - Reopen = latest manifest (sealed segments + delete logs + indexes) then the WAL tail
 *   after each shard's checkpoint, which yields the state before the restart.
 * - Several managers (in several processes) may share one collection, each owning some shards
 *   (its role's `ownedShards`): a manager opens, replays, writes and flushes only its own WAL channels and
 *   keeps only its own shards' sealed segments, and a commit that loses the manifest race
 *   (COMMIT_CONFLICT) re-reads the newest manifest and re-applies its change, so no writer's
 *   segments are lost. `refreshSealed` brings the sealed list up to the newest manifest.
 * - Its role (holder-role.ts: writer, hollow leader, catalog view) is chosen once at open and
 *   says which shards it writes and which sealed segments it holds, and how.
 * - Its state (catalog entry, sealed list, manifest, locks) is private: callers read it through
 *   read-only views and change it through methods (`setInfo`, `adoptInfo`, `addSealed`,
 *   `replaceSealed`, `commit`, `runLocked`), so no other module edits it.
 * Maintenance (flush, compaction, GC, index builds) lives in segment-maintenance.ts.
 */
import { VesperError } from '../errors/index.ts';
import type { StorageSet } from '../adapters/storage-set.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import type { Tso } from '../catalog/tso.ts';
import type { IdAllocator } from '../catalog/id-allocator.ts';
import { primaryField } from '../schema/types.ts';
import { KeyedQueue } from '../util/keyed-queue.ts';
import { writerRole, type ManagerRole } from './holder-role.ts';
import { ManifestStore, type Manifest, type SegmentRecord } from '../storage/manifest.ts';
import type { VectorIndexFactory } from '../index/vector-index.ts';
import { decodeWalRecord, encodeWalRecord, type WalRecord } from '../wal/wal-record.ts';
import { GrowingSegment } from './growing-segment.ts';
import { SealedSegment } from './sealed-segment.ts';
import { isScalarIndexType, loadSealedSegment, loadSealedSegments, refreshSegment, restoreColumns, type SegmentSource } from './segment-loader.ts';
import type { HostStore } from '../query/read-executor.ts';
import type { PkValue, Segment } from './segment.ts';
import { keyBatch } from './pk-index.ts';
import { DEFAULT_SEAL_POLICY, shouldSeal, type SealPolicy } from './seal-policy.ts';
import { SnapshotFloor } from './snapshot-floor.ts';

export interface SegmentManagerDeps {
  readonly storage: StorageSet;
  /** Write timestamps; in a multi-process deployment a client of the one oracle (batches). */
  readonly tso: Pick<Tso, 'next' | 'current'>;
  /** Segment ids, unique across every writer of the collection. */
  readonly ids: Pick<IdAllocator, 'alloc'>;
  readonly policy?: SealPolicy;
  readonly clock?: () => number;
  /** Vector index implementations by Milvus index type. */
  readonly indexFactory?: (indexType: string) => VectorIndexFactory;
  /** Reports background failures (flush, index build) that no caller is waiting on. */
  readonly onBackgroundError?: (e: unknown) => void;
  /**
   * Which shards this manager writes and which sealed segments it holds, and how (holder-role.ts;
   * default: a writer of every shard holding whole segments). Other shards' WAL channels are
   * never opened. A `hollowLeader` holds its sealed segments hollow (hollow-sealed-segment.ts):
   * reads of sealed data must go to readers (`writerAssignment`).
   */
  readonly role?: ManagerRole;
  /**
   * Index builds yield to writes: a build starts, and a running one continues past each chunk,
   * only once no write has arrived for `quietMs` — or once `maxWaitMs` have passed since it
   * was scheduled, so a never-ending stream of writes cannot starve it. For a writer that
   * shares one thread between acknowledging writes and building indexes (a Durable Object).
   * Unset: builds run as soon as they are scheduled.
   */
  readonly buildsYieldToWrites?: { readonly quietMs: number; readonly maxWaitMs: number };
}

/** Attempts of one manifest commit before COMMIT_CONFLICT reaches the caller. */
export const COMMIT_ATTEMPTS = 16;

export interface ShardState {
  readonly index: number;
  readonly channel: string;
  readonly growing: Map<number, GrowingSegment>;
  lastLsn: number;
  /** Timestamps allocated but not yet applied (at most one: writes are serialized per shard). */
  readonly inflight: Map<bigint, Promise<void>>;
}

export { isScalarIndexType };

export function channelName(collectionId: number, shard: number): string {
  return `c${collectionId}-s${shard}`;
}

export class SegmentManager {
  private currentInfo: CollectionInfo;
  readonly shards: ShardState[];
  private held: SealedSegment[] = [];
  private committed: Manifest;
  readonly manifests: ManifestStore;
  private readonly locks = new KeyedQueue();
  readonly role: ManagerRole;
  /** The index set of the catalog entry taken last (`adoptInfo`). */
  private indexSignature: string;
  /** Pinned reads older than this are refused (compaction purged rows they could see). */
  readonly snapshotFloor = new SnapshotFloor();
  readonly policy: SealPolicy;
  readonly clock: () => number;
  /** Background work (flushes, index builds, compactions) in flight. */
  readonly background = new Set<Promise<unknown>>();
  /** Object keys written but not yet referenced by a committed manifest (GC must spare them). */
  readonly inflightKeys = new Set<string>();
  /** Files of sealed segments a read in flight still reads, with how many reads hold each (GC spares them). */
  readonly readHolds = new Map<string, number>();
  readonly abort = new AbortController();
  lastBackgroundError: unknown;
  /** Indices of the shards this manager writes and flushes. */
  readonly owned: ReadonlySet<number>;
  /** When the last write was applied (clock ms), for `buildsYieldToWrites`. */
  lastWriteAt = Number.NEGATIVE_INFINITY;
  private dropped = false;

  private constructor(readonly deps: SegmentManagerDeps, info: CollectionInfo, manifest: Manifest) {
    this.currentInfo = info;
    this.committed = manifest;
    this.role = deps.role ?? writerRole();
    this.indexSignature = indexSignature(info);
    this.manifests = new ManifestStore(deps.storage.objects);
    this.policy = deps.policy ?? DEFAULT_SEAL_POLICY;
    this.clock = deps.clock ?? Date.now;
    this.shards = Array.from({ length: info.shardsNum }, (_, i) => ({
      index: i,
      channel: channelName(info.id, i),
      growing: new Map(),
      lastLsn: manifest.checkpoints[i] ?? 0,
      inflight: new Map(),
    }));
    this.owned = new Set(this.role.ownedShards(info.shardsNum));
    for (const i of this.owned) {
      if (!Number.isInteger(i) || i < 0 || i >= info.shardsNum) {
        throw new VesperError('PARAMETER_INVALID', `owned shard ${i} is not a shard of ${info.name} (0..${info.shardsNum - 1})`);
      }
    }
  }

  /**
   * Takes a newer catalog entry. Fields added since (addCollectionField, `added_later`) get
   * their column in the growing segments (rows so far read the default, else null) and in the
   * sealed segments held in memory; synchronous, so no write sees half of it.
   */
  setInfo(info: CollectionInfo): void {
    const before = this.currentInfo.schema;
    this.currentInfo = info;
    if (info.schema === before) return;
    const added = info.schema.fields.filter((f) => f.added_later === true);
    if (added.length === 0) return;
    for (const s of this.shards) for (const g of s.growing.values()) for (const f of added) g.addField(f);
    for (const seg of this.held) seg.fillAddedFields(added);
  }

  /**
   * Takes a newer catalog entry (`setInfo`) for a holder that learns of index drops only from
   * the catalog (an edge shard leader; in-process, dropIndex goes through `dropIndexFiles`):
   * when its index set changed, each sealed segment forgets the indexes the entry no longer has.
   * Returns whether the index set changed (the caller schedules the builds of new ones).
   */
  adoptInfo(info: CollectionInfo): boolean {
    this.setInfo(info);
    const sig = indexSignature(info);
    if (sig === this.indexSignature) return false;
    this.indexSignature = sig;
    const fields = new Set(info.indexes.map((i) => i.fieldName));
    const live = new Set(info.indexes.map((i) => i.indexId));
    for (const seg of this.held) seg.forgetIndexes(fields, live);
    return true;
  }

  /** The catalog entry taken last. */
  get info(): CollectionInfo {
    return this.currentInfo;
  }

  /** The sealed segments held, in the order they were sealed or loaded. */
  get sealed(): readonly SealedSegment[] {
    return this.held;
  }

  /** The newest manifest this manager committed or read. */
  get manifest(): Manifest {
    return this.committed;
  }

  /** Holds a segment just sealed (flush: its record is committed). */
  addSealed(seg: SealedSegment): void {
    this.held.push(seg);
  }

  /** Replaces the segments `gone` with `fresh` (compaction: the swap is committed). */
  replaceSealed(gone: ReadonlySet<number>, fresh: SealedSegment | undefined): void {
    this.held = [...this.held.filter((x) => !gone.has(x.id)), ...(fresh ? [fresh] : [])];
  }

  /**
   * Runs fn holding the named locks (`shard:<i>` serializes a shard's writes, flushes and
   * compaction; `commit` manifest commits; index builds their segment's `indexBuildLock`).
   */
  runLocked<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    return this.locks.run([...keys], fn);
  }

  /** The owned shards, in index order. */
  ownedShardStates(): ShardState[] {
    return this.shards.filter((s) => this.owned.has(s.index));
  }

  private keeps(rec: SegmentRecord): boolean {
    return this.role.keeps(rec, this.owned);
  }

  /** Opens a collection's data: manifest, sealed segments, then the WAL tail. */
  static async open(deps: SegmentManagerDeps, info: CollectionInfo): Promise<SegmentManager> {
    const manifest = await new ManifestStore(deps.storage.objects).latest(info.id);
    const m = new SegmentManager(deps, info, manifest);
    await m.loadSealed();
    if (m.sealed.some((x) => x.record.level > 0)) m.snapshotFloor.raise(deps.tso.current());
    for (const s of m.ownedShardStates()) await m.replay(s);
    return m;
  }

  get pkField(): string {
    return primaryField(this.info.schema).name;
  }

  private async loadSealed(): Promise<void> {
    this.held.push(...(await loadSealedSegments(this.source, this.committed.segments.filter((rec) => this.keeps(rec)))));
  }

  get source(): SegmentSource {
    return { objects: this.deps.storage.objects, schema: this.info.schema, indexFactory: this.deps.indexFactory, holding: this.role.holding };
  }

  /**
   * Reads of the columns its sealed segments left in the object store (query/read-executor.ts):
   * one object for every read (the source is taken at each call, so a changed schema is seen).
   */
  readonly storedColumns: HostStore = {
    readStoredRows: (cols, fields, rows) => SealedSegment.readStoredRows(this.source, cols, fields, rows),
    restore: (seg, field) => restoreColumns(this.source, seg, [field]),
    hold: (segments) => this.holdFiles(segments),
  };

  /** Counts a hold on the insert log and index files of each sealed segment; the release (idempotent) takes it back. */
  private holdFiles(segments: readonly Segment[]): () => void {
    const keys: string[] = [];
    for (const seg of segments) {
      if (!(seg instanceof SealedSegment)) continue;
      keys.push(seg.record.insertLog);
      for (const i of seg.record.indexes) keys.push(i.key);
    }
    for (const k of keys) this.readHolds.set(k, (this.readHolds.get(k) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const k of keys) {
        const left = this.readHolds.get(k)! - 1;
        if (left === 0) this.readHolds.delete(k);
        else this.readHolds.set(k, left);
      }
    };
  }

  private loadSegment(rec: SegmentRecord): Promise<SealedSegment> {
    return loadSealedSegment(this.source, rec);
  }

  /**
   * Brings the sealed list up to the newest committed manifest (another process may have
   * flushed, compacted or indexed): loads new segments this manager keeps, drops removed
   * ones, applies new delete logs and opens new index files. Returns whether anything changed.
   */
  refreshSealed(): Promise<boolean> {
    return this.locks.run(['commit'], async () => {
      const latest = await this.manifests.latest(this.info.id);
      if (latest.version <= this.committed.version) return false;
      const byId = new Map(this.held.map((x) => [x.id, x]));
      const next: SealedSegment[] = [];
      for (const rec of latest.segments) {
        if (!this.keeps(rec)) continue;
        const have = byId.get(rec.id);
        if (!have) {
          // compacted elsewhere: when is not recorded, so snapshots before now are refused
          if (rec.level > 0) this.snapshotFloor.raise(this.deps.tso.current());
          next.push(await this.loadSegment(rec));
          continue;
        }
        await refreshSegment(this.source, have, rec);
        byId.delete(rec.id);
        next.push(have);
      }
      for (const gone of byId.values()) for (const idx of gone.indexes.values()) idx.dispose?.();
      this.held = next;
      this.committed = latest;
      return true;
    });
  }

  private async replay(s: ShardState): Promise<void> {
    const { wal } = this.deps.storage;
    let after = this.committed.checkpoints[s.index] ?? 0;
    for (;;) {
      const entries = await wal.read(s.channel, after, 256);
      if (entries.length === 0) break;
      for (const e of entries) {
        const rec = decodeWalRecord(e.payload, this.info.schema);
        if (rec.type === 'insert') await this.growingFor(s, rec.partitionId);
        this.apply(s, rec);
        s.lastLsn = e.lsn;
        after = e.lsn;
      }
    }
    s.lastLsn = Math.max(s.lastLsn, await wal.lastLsn(s.channel));
  }

  async growingFor(s: ShardState, partitionId: number): Promise<GrowingSegment> {
    let g = s.growing.get(partitionId);
    if (!g) {
      g = new GrowingSegment(await this.deps.ids.alloc(), partitionId, s.index, this.info.schema, this.clock());
      s.growing.set(partitionId, g);
    }
    return g;
  }

  private apply(s: ShardState, rec: WalRecord): void {
    if (rec.type === 'insert') {
      // Last write wins: a key written again (upsert, or a plain insert of an existing key)
      // hides its older rows in every partition of the shard, at the new row's timestamp.
      // Segments whose key range the batch cannot meet are skipped whole.
      const keys = keyBatch(rec.batch.columns.get(this.pkField)!, rec.batch.count);
      for (const seg of this.held) if (seg.shard === s.index) seg.applyLastWriteWins(keys, rec.ts);
      for (const seg of s.growing.values()) seg.applyLastWriteWins(keys, rec.ts);
      s.growing.get(rec.partitionId)!.append(rec.batch, rec.ts);
    } else {
      for (const pk of rec.pks) this.deleteInShard(s, pk, rec.ts, rec.partitionId);
    }
  }

  private deleteInShard(s: ShardState, pk: PkValue, ts: bigint, partitionId: number): void {
    for (const seg of this.held) {
      if (seg.shard === s.index && (partitionId < 0 || seg.partitionId === partitionId) && seg.hasPk(pk)) seg.applyDelete(pk, ts);
    }
    for (const seg of s.growing.values()) {
      if ((partitionId < 0 || seg.partitionId === partitionId) && seg.hasPk(pk)) seg.applyDelete(pk, ts);
    }
  }

  /**
   * Writes one record to a shard: allocates its timestamp, appends it to the WAL, applies
   * it, and resolves with the timestamp once it is durable and visible. `beforeAppend` runs
   * synchronously right before the WAL append, under the shard's write lock (the edge tags
   * the append with the write's request key there).
   */
  write(shard: number, build: (ts: bigint) => WalRecord, partitionId?: number, beforeAppend?: (ts: bigint) => void): Promise<bigint> {
    this.assertOpen();
    const s = this.shards[shard]!;
    if (!this.owned.has(shard)) return Promise.reject(new VesperError('PARAMETER_INVALID', `shard ${shard} of ${this.info.name} is not owned by this manager`));
    return this.locks.run([`shard:${shard}`], async () => {
      this.assertOpen();
      if (partitionId !== undefined) await this.growingFor(s, partitionId);
      const ts = await this.deps.tso.next();
      const rec = build(ts);
      const bytes = encodeWalRecord(rec, this.info.schema);
      let settle!: () => void;
      s.inflight.set(ts, new Promise<void>((r) => (settle = r)));
      try {
        beforeAppend?.(ts);
        const [lsn] = await this.deps.storage.wal.append(s.channel, [bytes]);
        this.apply(s, rec);
        s.lastLsn = lsn!;
        this.lastWriteAt = this.clock();
      } finally {
        s.inflight.delete(ts);
        settle();
      }
      this.maybeScheduleSeal(s);
      return ts;
    });
  }

  private maybeScheduleSeal(s: ShardState): void {
    let rows = 0;
    let bytes = 0;
    let oldest: number | undefined;
    for (const g of s.growing.values()) {
      rows += g.rowCount;
      bytes += g.bytesUsed();
      oldest = oldest === undefined ? g.createdAt : Math.min(oldest, g.createdAt);
    }
    if (shouldSeal(this.policy, rows, bytes, oldest, this.clock()) && this.flushHook) {
      this.track(this.flushHook([s.index]));
    }
  }

  /** Set by segment-maintenance.ts: flushes the given shards. */
  flushHook: ((shards: number[]) => Promise<void>) | undefined;

  track<T>(p: Promise<T>): void {
    const tracked = p.then(
      () => undefined,
      (e: unknown) => {
        this.lastBackgroundError = e;
        if (!this.abort.signal.aborted) this.deps.onBackgroundError?.(e);
      },
    );
    this.background.add(tracked);
    void tracked.then(() => this.background.delete(tracked));
  }

  /** Resolves when all background work started so far has finished. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  /** The newest timestamp at which every write of every shard is applied. */
  safeTs(): bigint {
    let min: bigint | undefined;
    for (const s of this.shards) for (const ts of s.inflight.keys()) if (min === undefined || ts < min) min = ts;
    return min === undefined ? this.deps.tso.current() : min - 1n;
  }

  /** Waits until every write with timestamp <= ts is applied. */
  async waitApplied(ts: bigint): Promise<void> {
    for (const s of this.shards) {
      for (const [t, p] of s.inflight) if (t <= ts) await p;
    }
  }

  /** Whether a write with timestamp <= ts is still being applied (a read at ts waits: waitApplied). */
  applying(ts: bigint): boolean {
    for (const s of this.shards) for (const t of s.inflight.keys()) if (t <= ts) return true;
    return false;
  }

  /** The ids of the collection's existing partitions, kept per catalog entry (reads ask on every call). */
  private partitionsOf: { info: CollectionInfo; ids: ReadonlySet<number> } | undefined;

  /** Segments (sealed and growing) of the given partitions (every existing one when undefined). */
  segments(partitionIds?: ReadonlySet<number>): Segment[] {
    if (partitionIds === undefined) {
      if (this.partitionsOf?.info !== this.info) this.partitionsOf = { info: this.info, ids: new Set(this.info.partitions.map((p) => p.id)) };
      partitionIds = this.partitionsOf.ids;
    }
    const out: Segment[] = [];
    for (const seg of this.held) if (!partitionIds || partitionIds.has(seg.partitionId)) out.push(seg);
    for (const s of this.shards) {
      for (const g of s.growing.values()) if (g.rowCount > 0 && (!partitionIds || partitionIds.has(g.partitionId))) out.push(g);
    }
    return out;
  }

  /**
   * Commits the next manifest version produced by `change` (serialized per collection in this
   * process). When another writer committed that version first, re-reads the newest manifest
   * and applies `change` to it again (change functions must be pure in their argument), up to
   * COMMIT_ATTEMPTS times.
   * @throws COMMIT_CONFLICT when every attempt lost its race.
   */
  commit(change: (m: Manifest) => Omit<Manifest, 'version'>): Promise<void> {
    return this.locks.run(['commit'], async () => {
      for (let attempt = 1; ; attempt++) {
        const next: Manifest = { ...change(this.committed), version: this.committed.version + 1 };
        try {
          await this.manifests.commit(next);
          this.committed = next;
          return;
        } catch (e) {
          if (!VesperError.is(e, 'COMMIT_CONFLICT')) throw e;
          if (attempt >= COMMIT_ATTEMPTS) {
            throw new VesperError('COMMIT_CONFLICT', `manifest of ${this.info.name}: lost ${attempt} commit races in a row (too many concurrent writers); retry`);
          }
          const latest = await this.manifests.latest(this.info.id);
          // Our view only moves forward; a listing lagging behind is simply read again next attempt.
          if (latest.version > this.committed.version) this.committed = latest;
        }
      }
    });
  }

  assertOpen(): void {
    if (this.dropped) throw new VesperError('COLLECTION_NOT_FOUND', `collection ${this.info.name} was dropped`);
  }

  /** Stops background work; with `purge`, deletes the collection's files and WAL channels. */
  async close(purge: boolean): Promise<void> {
    this.dropped = true;
    this.abort.abort(new VesperError('CANCELLED', `collection ${this.info.name} closed`));
    await this.idle();
    if (purge) await purgeCollection(this.deps.storage, this.info);
  }
}

/** The catalog entry's index set: which index (id) on which field. */
function indexSignature(info: CollectionInfo): string {
  return info.indexes.map((i) => `${i.indexId}:${i.fieldName}`).join(',');
}

/** Deletes every file and WAL channel of a (dropped) collection, open or not. */
export async function purgeCollection(storage: StorageSet, info: Pick<CollectionInfo, 'id' | 'shardsNum'>): Promise<void> {
  const all = await storage.objects.list(`c${info.id}/`);
  if (all.length > 0) await storage.objects.delete(all.map((o) => o.key));
  for (let i = 0; i < info.shardsNum; i++) await storage.wal.dropChannel(channelName(info.id, i));
}
