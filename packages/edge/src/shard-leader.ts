/**
 * ShardLeader: the Durable Object that owns one shard of one collection (Milvus's shard
 * delegator and DataNode for one vchannel), addressed by `<db>/c<collectionId>/s<shard>`.
 * - Writes: appended to the shard's WAL in this DO's SQLite storage, then applied to the
 *   growing segment, then acknowledged; timestamps and segment ids come from the database's
 *   CatalogCoordinator (the one oracle), so every shard's writes order against each other.
 * - Seals: the growing segment is sealed and flushed to R2 (Arrow insert log, delete logs),
 *   committed to the collection's manifest (compare-and-set, shared with the other shards'
 *   leaders), the WAL truncated; index files are built here and committed the same way.
 * - Reads: the leader searches its growing segments and fans the sealed ones out to its
 *   QueryNodes — as many as the sealed data needs at `VESPER_QUERY_NODE_MAX_BYTES` each —
 *   feeding each its share (records, deletes not yet in a delete log, schema) by version —
 *   whole only when it changed or the node may not hold it (node-feed.ts) — with the plan,
 *   then merges.
 * The leader holds its sealed segments hollow — primary keys, timestamps and deletes, ~24 bytes
 * a row — so deletes and upserts find their rows without the data; index builds and compaction
 * read one segment's columns at a time from R2, and a delete by filter asks the query nodes
 * for the keys it matches. docs/capacity.md has the memory model.
 */
import { DurableObject } from 'cloudflare:workers';
import { VesperError, getIndexFactory, warmAnalyzers, type SealPolicy, DEFAULT_SEAL_POLICY } from '@vesper/core';
import {
  SegmentManager,
  attachMaintenance,
  collectGarbage,
  compact,
  flush,
  hollowLeaderRole,
  executeCount,
  executeQuery,
  executeSearch,
  existingKeys,
  filterKeys,
  functionOutputs,
  mergeStoredRows,
  partialKeys,
  routeBatch,
  rowsToBatch,
  storedRowsPlan,
  rangeIndexResidentBytes,
  residentSegmentBytes,
  partitionSet,
  readKeys,
  scheduleIndexBuilds,
  snapshotTs,
  splitAssignment,
  statsShare,
  sumStats,
  writerAssignment,
  type Bm25Stats,
  type Bm25StatsRequest,
  type CollectionInfo,
  type CountPlan,
  type PartialRow,
  type PartialSearch,
  type PkValue,
  type QueryPlan,
  type ReadHost,
  type ReplicaAssignment,
  type SegmentRecord,
  type Row,
  type SearchPlan,
  type Segment,
  type ShardFeed,
  type ShardPosition,
  shardFeed,
  fromWire,
  toWire,
  type WalRecord,
} from '@vesper/core/distributed';
import { DoSqlMetaStore, DoSqlWal, R2ObjectStore } from './adapters/index.ts';
import type { Env } from './bindings.ts';
import { loadEdgeKernels } from './kernels.ts';
import { asResult, reach, type RpcResult } from './rpc.ts';
import { queryNodeName, type ReadAt, type ShardStats, type Target, type WriteOp, type WriteResult } from './data/types.ts';
import type { QueryNodeRpc, ShardLeaderRpc } from './do-contracts.ts';
import { NodeFeeds, type NodeFeed } from './node-feed.ts';
import { WriteGate } from './data/write-gate.ts';

/** Default bytes of sealed data one QueryNode serves (its isolate has 128 MB). */
export const QUERY_NODE_MAX_BYTES = 48 * 1024 * 1024;
const MAX_QUERY_NODES = 64;
/**
 * Index builds wait for a second without writes (at most a minute): a build is seconds of CPU
 * on the DO's one thread, and writes waiting behind it would stall their callers.
 */
const BUILDS_QUIET_MS = 1_000;
const BUILDS_MAX_WAIT_MS = 60_000;
/** Files younger than this are never garbage-collected (see `compact`). */
const GC_GRACE_MS = 60 * 60 * 1000;
/** Manifests whose files GC keeps (the newest; older readers reload). */
const GC_KEEP_MANIFESTS = 2;
/** Growing bytes at which a shard leader seals. */
export const LEADER_SEAL_BYTES = 24 * 1024 * 1024;

export class ShardLeader extends DurableObject<Env> implements ShardLeaderRpc {
  private mgr: Promise<SegmentManager> | undefined;
  private opened: { db: string; collectionId: number; shard: number } | undefined;
  private lastTs = 0n;
  /** Query nodes the last read used (the ones above a shrink are released). */
  private usedNodes = 0;
  /** What each query node was last fed (its share's version and content). */
  private feeds = new NodeFeeds();
  /** Calls using the open segment manager now; a release waits for them before closing it. */
  private active = 0;
  private drained: (() => void) | undefined;
  /** Set while a close runs: calls arriving then wait and open the shard afresh. */
  private closing: Promise<void> | undefined;
  /** Writes share it; a partial update (read, merge, write) holds it alone. */
  private readonly gate = new WriteGate();

  private coordinator(db: string) {
    return this.env.CATALOG.get(this.env.CATALOG.idFromName(db));
  }

  /**
   * Seals at 24 MiB of growing data (≈ 45k × 128-d): sealing copies the segment into an Arrow
   * insert log, and a later index build holds one segment's column and the index being built;
   * with the next growing segment all of that must fit the isolate's 128 MB (the sealed rows
   * themselves cost the leader ~24 B each, hollow).
   */
  private policy(): SealPolicy {
    return { ...DEFAULT_SEAL_POLICY, maxBytes: LEADER_SEAL_BYTES, maxRows: envNumber(this.env.VESPER_SEGMENT_MAX_ROWS, DEFAULT_SEAL_POLICY.maxRows) };
  }

  private open(t: Target, shard: number): Promise<SegmentManager> {
    if (this.opened && (this.opened.collectionId !== t.info.id || this.opened.shard !== shard || this.opened.db !== t.db)) {
      return Promise.reject(new VesperError('INTERNAL', `shard leader of ${this.opened.db}/c${this.opened.collectionId}/s${this.opened.shard} addressed as ${t.db}/c${t.info.id}/s${shard}`));
    }
    this.mgr ??= (async () => {
      await loadEdgeKernels();
      const coord = this.coordinator(t.db);
      this.lastTs = await reach<bigint>('the catalog coordinator', () => coord.tsoNext(t.db));
      const storage = {
        meta: new DoSqlMetaStore(this.ctx.storage),
        wal: new DoSqlWal(this.ctx.storage),
        // manifest versions are created through the coordinator: one writer per version
        objects: new R2ObjectStore(this.env.BUCKET, `db/${t.db}/`, (key, bytes) => reach<boolean>('the catalog coordinator', () => coord.createOnce(key, bytes))),
      };
      const tso = {
        next: async () => {
          const ts = await reach<bigint>('the catalog coordinator', () => coord.tsoNext(t.db));
          if (ts > this.lastTs) this.lastTs = ts;
          return ts;
        },
        current: () => this.lastTs,
      };
      const ids = { alloc: () => reach<number>('the catalog coordinator', () => coord.allocIds(t.db, 1)) };
      const m = await SegmentManager.open(
        {
          storage,
          tso,
          ids,
          policy: this.policy(),
          indexFactory: getIndexFactory,
          // sealed rows live on the query nodes; the leader keeps their keys for deletes and upserts
          role: hollowLeaderRole(shard),
          // a DO is one thread: acknowledging writes comes before building indexes
          buildsYieldToWrites: { quietMs: envNumber(this.env.VESPER_BUILD_QUIET_MS, BUILDS_QUIET_MS, 0), maxWaitMs: BUILDS_MAX_WAIT_MS },
          onBackgroundError: (e) => console.error(`vesper shard leader ${t.db}/c${t.info.id}/s${shard}: background work failed`, e),
        },
        t.info,
      );
      attachMaintenance(m);
      scheduleIndexBuilds(m, m.sealed);
      this.opened = { db: t.db, collectionId: t.info.id, shard };
      return m;
    })().catch((e: unknown) => {
      this.mgr = undefined;
      throw e;
    });
    return this.mgr.then((m) => {
      this.adopt(m, t.info);
      return m;
    });
  }

  /**
   * Runs fn on the open shard. A release (close without purge) racing this call waits until
   * it is done rather than closing the manager under it: writes to a released collection are
   * valid (Milvus accepts them), they must not fail as "dropped".
   */
  private async use<T>(t: Target, shard: number, fn: (m: SegmentManager) => Promise<T>): Promise<T> {
    while (this.closing) await this.closing;
    await warmAnalyzers(t.info.schema);
    this.active++;
    try {
      return await fn(await this.open(t, shard));
    } finally {
      if (--this.active === 0) this.drained?.();
    }
  }

  /**
   * Takes a newer catalog entry (indexes created or dropped, partitions, properties): the
   * manager forgets dropped indexes (SegmentManager.adoptInfo), and new ones are built.
   */
  private adopt(m: SegmentManager, info: CollectionInfo): void {
    if (m.adoptInfo(info)) scheduleIndexBuilds(m, m.sealed);
  }

  write(t: Target, shard: number, op: WriteOp): Promise<RpcResult<WriteResult>> {
    return asResult(() => this.use(t, shard, (m) => this.gate.run(op.kind === 'partialUpsert', () => this.writeNow(t, shard, m, op))));
  }

  private async writeNow(t: Target, shard: number, m: SegmentManager, op: WriteOp): Promise<WriteResult> {
    const c = t.info.id;
    const key = op.requestKey;
    if (key !== undefined) {
      // a retry of a write this shard already made answers what the first attempt answered
      const done = taggingWal(m).tag(key);
      if (done !== undefined) return fromWire(done) as WriteResult;
    }
    if (op.kind === 'partialUpsert') return this.partialUpsert(t, shard, m, op.rows, op.partitionId, key);
    if (op.kind === 'insert') {
      return this.writeOnce(m, shard, key, (ts) => ({ type: 'insert', collectionId: c, partitionId: op.partitionId, ts, upsert: op.upsert, batch: op.batch }), (ts) => ({ ts }), op.partitionId);
    }
    let pks: readonly PkValue[] = op.kind === 'delete' ? op.pks : [];
    const parts = op.partitionId >= 0 ? new Set([op.partitionId]) : undefined;
    const keys = op.kind === 'deleteWhere' ? filterKeys(op.filter) : undefined;
    if (keys) pks = keys;
    if (op.kind === 'delete' || keys) {
      // Milvus counts the rows a delete removed: keep the keys that exist (the leader holds
      // every key of its shard, growing and hollow sealed) so a missing key counts 0.
      const at = await m.deps.tso.next();
      await m.waitApplied(at);
      pks = existingKeys(m.segments(parts), at, pks);
    } else if (op.kind === 'deleteWhere') {
      // the rows are found where they are held: growing here, sealed on the query nodes
      const at = await m.deps.tso.next();
      await m.waitApplied(at);
      const growing = growingOf(m, parts);
      const shares = this.placement(m, writerAssignment(m));
      const theirs = await this.fanOut<PkValue[]>(t, shard, shares, (node, feed) => node.keys(feed, op.filter, at, op.partitionId));
      pks = [...new Set([...readKeys(growing, at, op.filter), ...theirs.flat()])];
    }
    if (pks.length === 0) return { ts: this.lastTs, pks };
    return this.writeOnce(m, shard, key, (ts) => ({ type: 'delete', collectionId: c, partitionId: op.partitionId, ts, pks: [...pks] }), (ts) => ({ ts, pks }));
  }

  /**
   * One WAL write; with a request key, recorded as applied in the append's own transaction
   * (DoSqlWal tags), so a retry finds it exactly when the write is durable. The check is made
   * again under the shard's write lock: two attempts racing each other write once.
   */
  private async writeOnce(m: SegmentManager, shard: number, key: string | undefined, build: (ts: bigint) => WalRecord, result: (ts: bigint) => WriteResult, partitionId?: number): Promise<WriteResult> {
    if (key === undefined) return result(await m.write(shard, build, partitionId));
    const wal = taggingWal(m);
    try {
      const ts = await m.write(
        shard,
        (ts) => {
          const earlier = wal.tag(key);
          if (earlier !== undefined) throw new AlreadyApplied(earlier);
          return build(ts);
        },
        partitionId,
        (ts) => wal.tagNextAppend(key, toWire(result(ts))),
      );
      return result(ts);
    } catch (e) {
      if (e instanceof AlreadyApplied) return fromWire(e.result) as WriteResult;
      throw e;
    }
  }

  /**
   * A partial update's part for this shard, holding the write gate alone: the stored rows are
   * read at a fresh timestamp (growing here, sealed on the query nodes), merged, converted and
   * written as an upsert — no other write to the shard lands in between.
   * @throws INVALID_INSERT_DATA (1804) when a key was deleted since the proxy's check and its row is not whole
   */
  private async partialUpsert(t: Target, shard: number, m: SegmentManager, rows: readonly Row[], partitionId: number | undefined, key: string | undefined): Promise<WriteResult> {
    const keys = partialKeys(t.info, rows);
    const plan = storedRowsPlan(t.info, keys);
    const at = await m.deps.tso.next();
    await m.waitApplied(at);
    const found = await executeQuery(plan, at, this.host(t, shard, m, plan.partitionIds, at), true);
    const outputs = await functionOutputs(t.info.schema);
    const batch = rowsToBatch(t.info.schema, mergeStoredRows(t.info, rows, keys, found), { allowAutoIdInput: true, ...(outputs ? { functionOutputs: outputs } : {}) });
    let ts = 0n;
    const parts = routeBatch(t.info, batch, partitionId);
    for (const [i, part] of parts.entries()) {
      if (part.shard !== shard) throw new VesperError('INTERNAL', `a partial update row of shard ${part.shard} reached shard ${shard}`);
      // an upsert is idempotent in state: only the last part records the request as applied
      const tag = i === parts.length - 1 ? key : undefined;
      const at = (await this.writeOnce(m, shard, tag, (ts) => ({ type: 'insert', collectionId: t.info.id, partitionId: part.partitionId, ts, upsert: true, batch: part.batch }), (ts) => ({ ts }), part.partitionId)).ts;
      if (at > ts) ts = at;
    }
    return { ts };
  }

  /**
   * The shard's sealed segments split over its query nodes (none while nothing is sealed), by
   * the bytes a node keeps of them: a segment whose vectors are read by range (IVF_PQ) counts
   * its index's hot parts, not its vectors, so a node holds that many more of its rows.
   */
  private placement(m: SegmentManager, a: ReplicaAssignment): ReplicaAssignment[] {
    if (a.records.length === 0) return [];
    const cap = envNumber(this.env.VESPER_QUERY_NODE_MAX_BYTES, QUERY_NODE_MAX_BYTES);
    const resident = (r: SegmentRecord): number => residentSegmentBytes(m.info.schema, m.info.indexes, r, rangeIndexResidentBytes);
    const bytes = a.records.reduce((n, r) => n + resident(r), 0);
    const k = Math.min(MAX_QUERY_NODES, a.records.length, Math.max(1, Math.ceil(bytes / cap)));
    return splitAssignment(a, k, resident);
  }

  /**
   * Runs fn on each query node with its feed for its share (node-feed.ts: the version alone
   * when the node holds it; retrying a node that was reset once); releases nodes no longer used.
   */
  private async fanOut<T>(t: Target, shard: number, shares: ReplicaAssignment[], fn: (node: DurableObjectStub<QueryNodeRpc>, feed: NodeFeed) => Promise<unknown>): Promise<T[]> {
    const ns = this.env.QUERY_NODE;
    const stub = (k: number) => ns.get(ns.idFromName(queryNodeName(t.db, t.info.id, shard, k)));
    for (let k = shares.length; k < this.usedNodes; k++) {
      this.feeds.forget(k);
      void stub(k).release().catch(() => undefined);
    }
    this.usedNodes = shares.length;
    const schema = t.info.schema;
    return Promise.all(
      shares.map((assignment, k) =>
        this.feeds.run(k, { db: t.db, schema, assignment }, async (feed) => {
          try {
            return await reach<T>(`query node ${k} of shard ${shard}`, () => fn(stub(k), feed));
          } catch (e) {
            if (!VesperError.is(e, 'SERVICE_UNAVAILABLE')) throw e;
            return reach<T>(`query node ${k} of shard ${shard}`, () => fn(stub(k), feed));
          }
        }),
      ),
    );
  }

  /**
   * This shard's level of the read pipeline: its growing segments, and its query nodes for the
   * sealed ones (each sent its share and the plan, never the request).
   */
  private host(t: Target, shard: number, m: SegmentManager, partitionIds: readonly number[] | undefined, ts: bigint): ReadHost & { readonly nodeCalls: number } {
    const shares = this.placement(m, writerAssignment(m));
    return {
      // the query nodes a read calls (one each, a reset node's retry aside)
      nodeCalls: shares.length,
      segments: growingOf(m, partitionSet(partitionIds)),
      remote: {
        search: (plan) => this.fanOut<PartialSearch>(t, shard, shares, (node, feed) => node.search(feed, plan, ts)),
        query: (plan) => this.fanOut<PartialRow[]>(t, shard, shares, (node, feed) => node.query(feed, plan, ts)),
        count: (plan) => this.fanOut<number>(t, shard, shares, (node, feed) => node.count(feed, plan, ts)),
      },
    };
  }

  search(t: Target, shard: number, plan: SearchPlan, at: ReadAt): Promise<RpcResult<{ ts: bigint; hits: PartialSearch; nodeCalls: number }>> {
    return asResult(() =>
      this.use(t, shard, async (m) => {
        const ts = await readTs(m, at);
        const host = this.host(t, shard, m, plan.partitionIds, ts);
        return { ts, hits: await executeSearch(plan, ts, host, false), nodeCalls: host.nodeCalls };
      }),
    );
  }

  /** BM25 statistics of the whole shard (every partition) at the read's snapshot: growing rows here, sealed on the nodes. */
  bm25Stats(t: Target, shard: number, request: Bm25StatsRequest, at: ReadAt): Promise<RpcResult<{ ts: bigint; stats: Bm25Stats }>> {
    return asResult(() =>
      this.use(t, shard, async (m) => {
        const ts = await readTs(m, at);
        const shares = this.placement(m, writerAssignment(m));
        const mine = statsShare(growingOf(m, undefined), ts, request);
        const theirs = await this.fanOut<Bm25Stats>(t, shard, shares, (node, feed) => node.bm25Stats(feed, request, ts));
        return { ts, stats: sumStats([mine, ...theirs], request.terms.length) };
      }),
    );
  }

  query(t: Target, shard: number, plan: QueryPlan | CountPlan, at: ReadAt): Promise<RpcResult<{ ts: bigint; rows: PartialRow[]; count: number; nodeCalls: number }>> {
    return asResult(() =>
      this.use(t, shard, async (m) => {
        const ts = await readTs(m, at);
        const host = this.host(t, shard, m, plan.partitionIds, ts);
        if (plan.kind === 'count') return { ts, rows: [], count: await executeCount(plan, ts, host), nodeCalls: host.nodeCalls };
        return { ts, rows: await executeQuery(plan, ts, host, false), count: 0, nodeCalls: host.nodeCalls };
      }),
    );
  }

  /**
   * The shard as a local replica copies it (replica/replica-routes.ts): under the shard's write
   * lock — no write or flush half-way — a fresh timestamp, the sealed records and pending
   * deletes, and the WAL tail after the manifest checkpoint (after `from.afterLsn` when the
   * replica already holds the tail up to there). `tail: false` leaves the tail out (describe).
   */
  replicaFeed(t: Target, shard: number, from: ShardPosition | undefined, tail: boolean): Promise<RpcResult<ShardFeed>> {
    return asResult(() => this.use(t, shard, (m) => m.runLocked([`shard:${shard}`], () => shardFeed(m, shard, from, tail))));
  }

  flush(t: Target, shard: number): Promise<RpcResult<number[]>> {
    return asResult(() =>
      this.use(t, shard, async (m) => {
        await flush(m);
        return m.sealed.map((s) => s.id);
      }),
    );
  }

  /**
   * Compacts the shard, then deletes the collection's files no recent manifest references and
   * that are older than the GC grace period (`VESPER_GC_GRACE_MS`, default an hour): other
   * leaders' files written but not yet committed are younger than that, and a query node still
   * holding a replaced segment has it in memory (a restarted one is sent the current list).
   */
  compact(t: Target, shard: number): Promise<RpcResult<{ merged: number; deleted: number }>> {
    return asResult(() =>
      this.use(t, shard, async (m) => {
        const r = await compact(m);
        const deleted = await collectGarbage(m, GC_KEEP_MANIFESTS, envNumber(this.env.VESPER_GC_GRACE_MS, GC_GRACE_MS));
        return { merged: r.merged, deleted };
      }),
    );
  }

  stats(t: Target, shard: number, partitionIds?: number[]): Promise<RpcResult<ShardStats>> {
    return asResult(() =>
      this.use(t, shard, async (m) => {
        const segs = m.segments(partitionIds ? new Set(partitionIds) : undefined);
        const indexedRows: Record<string, number> = {};
        for (const i of t.info.indexes) indexedRows[i.fieldName] = m.sealed.filter((s) => s.hasIndex(i.fieldName)).reduce((n, s) => n + s.rowCount, 0);
        return {
          liveRows: segs.reduce((n, s) => n + s.liveCount, 0),
          sealedRows: m.sealed.reduce((n, s) => n + s.rowCount, 0),
          indexedRows,
          segmentIds: m.sealed.map((s) => s.id),
          queryNodes: this.placement(m, writerAssignment(m)).length,
          sealedColumnsHeld: m.sealed.reduce((n, s) => n + s.columns().size, 0),
          nodeFeeds: this.feeds.stats(),
        };
      }),
    );
  }

  /** Takes a newer catalog entry now (after createIndex, dropIndex, partitions, alter). */
  refresh(t: Target, shard: number): Promise<RpcResult<null>> {
    return asResult(() => this.use(t, shard, async () => null));
  }

  /**
   * Frees memory (releaseCollection) or, with purge, forgets the shard (dropCollection). One
   * close at a time; it waits for the calls using the shard to finish (a release must not fail
   * writes in flight), and calls arriving meanwhile wait for it, then reopen the shard.
   */
  close(t: Target, shard: number, purge: boolean): Promise<RpcResult<null>> {
    return asResult(async () => {
      while (this.closing) await this.closing;
      let done!: () => void;
      this.closing = new Promise<void>((resolve) => (done = resolve));
      try {
        if (this.active > 0) await new Promise<void>((resolve) => (this.drained = resolve));
        this.drained = undefined;
        await this.closeNow(t, shard, purge);
      } finally {
        this.closing = undefined;
        done();
      }
      return null;
    });
  }

  private async closeNow(t: Target, shard: number, purge: boolean): Promise<void> {
    const m = this.mgr ? await this.mgr.catch(() => undefined) : undefined;
    this.mgr = undefined;
    if (m) await m.close(purge);
    const ns = this.env.QUERY_NODE;
    const used = Math.max(this.usedNodes, 1);
    for (let k = 0; k < used; k++) await ns.get(ns.idFromName(queryNodeName(t.db, t.info.id, shard, k))).release().catch(() => undefined);
    this.usedNodes = 0;
    this.feeds = new NodeFeeds();
    if (purge) {
      await this.ctx.storage.deleteAll();
      this.opened = undefined;
    }
  }
}

/**
 * The snapshot a read runs at: its consistency level's, or exactly the pinned one — once every
 * write up to it is applied here, and only while compaction has not purged rows it could see.
 */
async function readTs(m: SegmentManager, at: ReadAt): Promise<bigint> {
  if (at.pinned === undefined) return snapshotTs(m, at.level, at.guarantee);
  m.snapshotFloor.check(at.pinned);
  await m.waitApplied(at.pinned);
  return at.pinned;
}

/** A numeric Worker var; `fallback` when it is unset, empty, not a number or below `min`. */
function envNumber(v: string | undefined, fallback: number, min = 1): number {
  if (v === undefined || v.trim() === '') return fallback;
  const n = Number(v);
  return Number.isFinite(n) && n >= min ? n : fallback;
}

/** The leader's growing segments of the given partitions (its sealed rows are on the query nodes). */
function growingOf(m: SegmentManager, partitionIds: ReadonlySet<number> | undefined): Segment[] {
  return m.segments(partitionIds).filter((s) => !s.sealed);
}

/** Thrown from a write's record builder when its request key is already applied (never leaves writeOnce). */
class AlreadyApplied extends Error {
  constructor(readonly result: string) {
    super('already applied');
  }
}

/** The DO SQLite WAL of a manager this leader opened (the only kind it opens). */
function taggingWal(m: SegmentManager): DoSqlWal {
  const wal = m.deps.storage.wal;
  if (!(wal instanceof DoSqlWal)) throw new VesperError('INTERNAL', 'a shard leader writes through its DO SQLite WAL');
  return wal;
}
