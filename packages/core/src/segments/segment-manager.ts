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
 * Maintenance (flush, compaction, GC, index builds) lives in segment-maintenance.ts.
 */
import { VesperError } from '../errors/index.ts';
import type { StorageSet } from '../adapters/storage-set.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import type { Tso } from '../catalog/tso.ts';
import type { IdAllocator } from '../catalog/id-allocator.ts';
import { primaryField } from '../schema/types.ts';
import { primaryKeysOf } from '../schema/row-batch.ts';
import { KeyedQueue } from '../util/keyed-queue.ts';
import { TS_FIELD, decodeBatch } from '../storage/batch-file.ts';
import { ManifestStore, type Manifest } from '../storage/manifest.ts';
import type { VectorIndexFactory } from '../index/vector-index.ts';
import { decodeWalRecord, encodeWalRecord, type WalRecord } from '../wal/wal-record.ts';
import { GrowingSegment } from './growing-segment.ts';
import { SealedSegment } from './sealed-segment.ts';
import { decodeDeltaLog } from './delta-log.ts';
import { openScalarIndex, SCALAR_INDEX_TYPES } from '../expr/index.ts';
import type { PkValue, Segment } from './segment.ts';
import { DEFAULT_SEAL_POLICY, shouldSeal, type SealPolicy } from './seal-policy.ts';

export interface SegmentManagerDeps {
  readonly storage: StorageSet;
  readonly tso: Tso;
  readonly ids: IdAllocator;
  readonly policy?: SealPolicy;
  readonly clock?: () => number;
  /** Vector index implementations by Milvus index type. */
  readonly indexFactory?: (indexType: string) => VectorIndexFactory;
  /** Reports background failures (flush, index build) that no caller is waiting on. */
  readonly onBackgroundError?: (e: unknown) => void;
}

export interface ShardState {
  readonly index: number;
  readonly channel: string;
  readonly growing: Map<number, GrowingSegment>;
  lastLsn: number;
  /** Timestamps allocated but not yet applied (at most one: writes are serialized per shard). */
  readonly inflight: Map<bigint, Promise<void>>;
}

export function isScalarIndexType(t: string): boolean {
  return (SCALAR_INDEX_TYPES as readonly string[]).includes(t);
}

export function channelName(collectionId: number, shard: number): string {
  return `c${collectionId}-s${shard}`;
}

export class SegmentManager {
  info: CollectionInfo;
  readonly shards: ShardState[];
  sealed: SealedSegment[] = [];
  manifest: Manifest;
  readonly manifests: ManifestStore;
  readonly locks = new KeyedQueue();
  readonly policy: SealPolicy;
  readonly clock: () => number;
  /** Background work (flushes, index builds, compactions) in flight. */
  readonly background = new Set<Promise<unknown>>();
  /** Object keys written but not yet referenced by a committed manifest (GC must spare them). */
  readonly inflightKeys = new Set<string>();
  readonly abort = new AbortController();
  lastBackgroundError: unknown;
  private dropped = false;

  private constructor(readonly deps: SegmentManagerDeps, info: CollectionInfo, manifest: Manifest) {
    this.info = info;
    this.manifest = manifest;
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
  }

  /** Opens a collection's data: manifest, sealed segments, then the WAL tail. */
  static async open(deps: SegmentManagerDeps, info: CollectionInfo): Promise<SegmentManager> {
    const manifest = await new ManifestStore(deps.storage.objects).latest(info.id);
    const m = new SegmentManager(deps, info, manifest);
    await m.loadSealed();
    for (const s of m.shards) await m.replay(s);
    return m;
  }

  get pkField(): string {
    return primaryField(this.info.schema).name;
  }

  private async loadSealed(): Promise<void> {
    const { objects } = this.deps.storage;
    const pk = primaryField(this.info.schema);
    for (const rec of this.manifest.segments) {
      const bytes = await objects.get(rec.insertLog);
      if (!bytes) throw new VesperError('IO_KEY_NOT_FOUND', `segment ${rec.id}: insert log ${rec.insertLog} is missing`);
      const file = decodeBatch(bytes, [TS_FIELD, ...this.info.schema.fields], 'insert');
      const ts = file.columns.get(TS_FIELD.name)!.data as BigInt64Array;
      file.columns.delete(TS_FIELD.name);
      const seg = new SealedSegment(rec, file.columns, pk.name, ts);
      for (const key of rec.deltaLogs) {
        const delta = await objects.get(key);
        if (!delta) throw new VesperError('IO_KEY_NOT_FOUND', `segment ${rec.id}: delete log ${key} is missing`);
        for (const d of decodeDeltaLog(pk, delta)) seg.applyDelete(d.pk, d.ts, false);
      }
      for (const idx of rec.indexes) {
        const data = await objects.get(idx.key);
        // A missing index file is not fatal: the segment is scanned/searched exactly.
        if (!data) continue;
        if (isScalarIndexType(idx.indexType)) seg.scalarIndexes.set(idx.field, openScalarIndex(data));
        else {
          const factory = this.deps.indexFactory?.(idx.indexType);
          if (factory) seg.indexes.set(idx.field, await factory.open(data));
        }
      }
      this.sealed.push(seg);
    }
  }

  private async replay(s: ShardState): Promise<void> {
    const { wal } = this.deps.storage;
    let after = this.manifest.checkpoints[s.index] ?? 0;
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
      for (const pk of primaryKeysOf(rec.batch, primaryField(this.info.schema))) this.deleteInShard(s, pk, rec.ts, -1);
      s.growing.get(rec.partitionId)!.append(rec.batch, rec.ts);
    } else {
      for (const pk of rec.pks) this.deleteInShard(s, pk, rec.ts, rec.partitionId);
    }
  }

  private deleteInShard(s: ShardState, pk: PkValue, ts: bigint, partitionId: number): void {
    for (const seg of this.sealed) {
      if (seg.shard === s.index && (partitionId < 0 || seg.partitionId === partitionId) && seg.hasPk(pk)) seg.applyDelete(pk, ts);
    }
    for (const seg of s.growing.values()) {
      if ((partitionId < 0 || seg.partitionId === partitionId) && seg.hasPk(pk)) seg.applyDelete(pk, ts);
    }
  }

  /**
   * Writes one record to a shard: allocates its timestamp, appends it to the WAL, applies
   * it, and resolves with the timestamp once it is durable and visible.
   */
  write(shard: number, build: (ts: bigint) => WalRecord, partitionId?: number): Promise<bigint> {
    this.assertOpen();
    const s = this.shards[shard]!;
    return this.locks.run([`shard:${shard}`], async () => {
      this.assertOpen();
      if (partitionId !== undefined) await this.growingFor(s, partitionId);
      const ts = await this.deps.tso.next();
      const rec = build(ts);
      const bytes = encodeWalRecord(rec, this.info.schema);
      let settle!: () => void;
      s.inflight.set(ts, new Promise<void>((r) => (settle = r)));
      try {
        const [lsn] = await this.deps.storage.wal.append(s.channel, [bytes]);
        this.apply(s, rec);
        s.lastLsn = lsn!;
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

  /** Segments (sealed and growing) of the given partitions (every existing one when undefined). */
  segments(partitionIds?: ReadonlySet<number>): Segment[] {
    partitionIds ??= new Set(this.info.partitions.map((p) => p.id));
    const out: Segment[] = [];
    for (const seg of this.sealed) if (!partitionIds || partitionIds.has(seg.partitionId)) out.push(seg);
    for (const s of this.shards) {
      for (const g of s.growing.values()) if (g.rowCount > 0 && (!partitionIds || partitionIds.has(g.partitionId))) out.push(g);
    }
    return out;
  }

  /** Commits the next manifest version produced by `change` (serialized per collection). */
  commit(change: (m: Manifest) => Omit<Manifest, 'version'>): Promise<void> {
    return this.locks.run(['commit'], async () => {
      const next: Manifest = { ...change(this.manifest), version: this.manifest.version + 1 };
      await this.manifests.commit(next);
      this.manifest = next;
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

/** Deletes every file and WAL channel of a (dropped) collection, open or not. */
export async function purgeCollection(storage: StorageSet, info: Pick<CollectionInfo, 'id' | 'shardsNum'>): Promise<void> {
  const all = await storage.objects.list(`c${info.id}/`);
  if (all.length > 0) await storage.objects.delete(all.map((o) => o.key));
  for (let i = 0; i < info.shardsNum; i++) await storage.wal.dropChannel(channelName(info.id, i));
}
