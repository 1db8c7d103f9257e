/**
 * DistributedEngine: the proxy's data path (Milvus's Proxy talking to shard delegators). It
 * answers the same (method, request) calls as a ProxyNode, for one database:
 * - inserts, upserts and deletes are checked and converted here (a bad row rejects the batch
 *   before anything is written), routed by primary-key hash and sent to each shard's
 *   ShardLeader DO, which makes them durable in its WAL before answering;
 * - searches, hybrid searches, queries, gets and counts go to every shard leader, which
 *   answers for its growing data and its query nodes' sealed data; the partial answers are
 *   merged here (top-k by distance, or by primary key for queries);
 * - flush, statistics, index progress and compaction are summed over the leaders;
 * - everything else (DDL, describe, list) goes to the database's CatalogCoordinator, and
 *   DDL that changes a collection is then announced to its leaders.
 * Each data call starts with the coordinator's `begin`: the catalog entry, the rate-limit
 * charge, and for reads the consistency level and guarantee timestamp (Strong waits on
 * every leader until the writes before it are applied).
 */
import { DataType, SUCCESS, VesperError, warmAnalyzers, showValue } from '@vesper/core';
import {
  executeHybrid,
  filterKeys,
  filterPlan,
  hybridRows,
  mergeQueryPlan,
  mergeSearchPlan,
  functionOutputs,
  bucketOf,
  mergeStoredRows,
  partialKeys,
  storedRowsPlan,
  parseIds,
  partitionIds,
  prepareHybrid,
  prepareQuery,
  prepareSearch,
  primaryField,
  primaryKeysOf,
  renderIds,
  renderRow,
  routeBatch,
  routeKeys,
  rowsToBatch,
  probeRequest,
  resolvedSub,
  resolvedRequest,
  searchRows,
  searchResults,
  sumStats,
  targetPartition,
  textSearch,
  type Bm25Stats,
  type Bm25StatsRequest,
  type CollectionInfo,
  type Fused,
  type HybridSearchRequest,
  type PartialHit,
  type PartialRow,
  type PkValue,
  type Row,
  type FilterPlan,
  type SearchPlan,
} from '@vesper/core/distributed';
import type { Env } from '../bindings.ts';
import type { EdgeMethod, EdgeResponse, Engine, RawRead, RawReadMethod } from '../rpc.ts';
import { reach } from '../rpc.ts';
import { rowChunks, WRITE_CHUNK_BYTES } from './write-parts.ts';
import { leaderName, type BeginOptions, type Begun, type ReadAt, type ShardStats, type Target, type WriteResult } from './types.ts';

/** What the engine needs of the coordinator: its ProxyNode calls and `begin` (errors thrown). */
export interface CoordinatorApi {
  call<M extends EdgeMethod>(db: string, method: M, request: Record<string, unknown>): Promise<EdgeResponse<M>>;
  begin(db: string, collection: string, options: BeginOptions): Promise<Begun>;
}

type Req = Record<string, unknown>;

/** One method's handler: its response typed from core's task (engine-api.ts) for that method. */
type Handler<M extends EdgeMethod> = (engine: DistributedEngine, request: Req, method: M) => Promise<EdgeResponse<M>>;

/** DDL after which the collection's leaders take the new catalog entry. */
const REFRESH_AFTER = new Set(['createIndex', 'dropIndex', 'alterCollection', 'alterCollectionProperties', 'addCollectionField', 'alterCollectionField', 'createPartition', 'dropPartition', 'loadCollection', 'loadPartitions', 'renameCollection']);

export class DistributedEngine implements Engine {
  private readonly coordinator: CoordinatorApi;
  /** Durable Object calls this engine's requests made (coordinator, leaders and the leaders' query nodes). */
  private calls = 0;
  private lastRead: string | undefined;

  constructor(
    private readonly env: Env,
    private readonly db: string,
    coordinator: CoordinatorApi,
  ) {
    this.coordinator = {
      call: (db, method, request) => {
        this.calls++;
        return coordinator.call(db, method, request);
      },
      begin: (db, collection, options) => {
        this.calls++;
        return coordinator.begin(db, collection, options);
      },
    };
  }

  doCalls(): number {
    return this.calls;
  }

  /** The id of the collection the last read began on (REST checks its cached description against it). */
  readCollectionId(): string | undefined {
    return this.lastRead;
  }

  /** reach() counting the call. */
  private reach<T>(what: string, fn: () => Promise<unknown>): Promise<T> {
    this.calls++;
    return reach<T>(what, fn);
  }

  /** The methods answered on the shard leaders (and their query nodes); the compiler checks each answer against core's response type for its method. */
  private static readonly HANDLERS: { readonly [M in EdgeMethod]?: Handler<M> } = {
    insert: (e, r) => e.insert(r, false),
    upsert: (e, r) => e.insert(r, true),
    delete: (e, r) => e.delete(r),
    search: (e, r) => e.search(r),
    hybridSearch: (e, r) => e.hybridSearch(r),
    query: (e, r) => e.query(r),
    get: (e, r) => e.query(r),
    flush: (e, r) => e.flush(r),
    getCollectionStatistics: (e, r) => e.statistics(r),
    getPartitionStatistics: (e, r) => e.statistics(r),
    describeIndex: (e, r) => e.describeIndex(r),
    compact: (e, r) => e.compact(r),
    dropCollection: (e, r) => e.dropCollection(r),
    releaseCollection: (e, r, m) => e.release(m, r),
    releasePartitions: (e, r, m) => e.release(m, r),
    // the embedded engines' import path (client/collection-dump.ts); the edge imports through its import jobs
    restoreRows: () => Promise.reject(new VesperError('UNIMPLEMENTED', 'restoreRows is not served by the edge: import files with the REST v2 jobs/import endpoints')),
  };

  /**
   * Runs `method`: a data method on the shard leaders (HANDLERS), anything else on the
   * coordinator (DDL then announced to the leaders). A name neither answers is refused there.
   */
  call<M extends EdgeMethod>(method: M, request: Req): Promise<EdgeResponse<M>> {
    // HANDLERS' entry for M answers EdgeResponse<M> (checked where it is declared)
    // an own key only: `constructor` or `toString` from a JSON request are not handlers
    const handler = Object.hasOwn(DistributedEngine.HANDLERS, method) ? (DistributedEngine.HANDLERS as Partial<Record<EdgeMethod, Handler<EdgeMethod>>>)[method] : undefined;
    return (handler !== undefined ? handler(this, request, method) : this.ddl(method, request)) as Promise<EdgeResponse<M>>;
  }

  private leader(info: CollectionInfo, shard: number) {
    const ns = this.env.SHARD_LEADER;
    return ns.get(ns.idFromName(leaderName(this.db, info.id, shard)));
  }

  private target(info: CollectionInfo): Target {
    return { db: this.db, info };
  }

  private shards(info: CollectionInfo): number[] {
    return Array.from({ length: info.shardsNum }, (_, i) => i);
  }

  /** Calls every shard's leader, in parallel. */
  private eachShard<T>(info: CollectionInfo, call: (leader: ReturnType<DistributedEngine['leader']>, t: Target, shard: number) => Promise<unknown>): Promise<T[]> {
    const t = this.target(info);
    return Promise.all(this.shards(info).map((s) => this.reach<T>(`shard ${s} of ${info.name}`, () => call(this.leader(info, s), t, s))));
  }

  private async begin(req: Req, options: BeginOptions = {}): Promise<Begun> {
    const name = req['collection_name'];
    if (typeof name !== 'string' || name === '') throw new VesperError('PARAMETER_MISSING', 'collection_name is required');
    const b = await this.coordinator.begin(this.db, name, options);
    // filters with text_match/phrase_match compile synchronously: the analyzers are built first
    await warmAnalyzers(b.info.schema);
    return b;
  }

  private beginRead(req: Req): Promise<Begun> {
    return this.begin(req, {
      read: true,
      consistencyLevel: req['consistency_level'],
      ...(typeof req['session_ts'] === 'string' ? { sessionTs: req['session_ts'] } : {}),
    }).then((b) => {
      // the schema version too: an added field makes the REST layer's cached description stale
      this.lastRead = b.info.schemaVersion ? `${b.info.id}.${b.info.schemaVersion}` : String(b.info.id);
      if (!b.info.loaded) throw new VesperError('COLLECTION_NOT_LOADED', `collection not loaded[collection=${b.info.name}]`);
      return b;
    });
  }

  private async insert(req: Req, upsert: boolean) {
    const what = upsert ? 'upsert' : 'insert';
    const partial = req['partial_update'];
    if (partial !== undefined && typeof partial !== 'boolean') throw new VesperError('PARAMETER_INVALID', `partial_update must be true or false, got ${showValue(partial)}`);
    if (partial === true && !upsert) throw new VesperError('PARAMETER_INVALID', 'partial_update applies to upsert only');
    const rows = req['data'] ?? req['fields_data'];
    if (!Array.isArray(rows) || rows.length === 0) throw new VesperError('INVALID_INSERT_DATA', `${what} data is empty: pass data as a non-empty array of rows`);
    if (partial === true) return this.partialUpsert(req, rows as Row[]);
    const requestId = requestIdOf(req);
    const { info, autoIdStart } = await this.begin(req, { autoIds: upsert ? 0 : rows.length, ...(requestId ? { requestId } : {}) });
    const partitionId = targetPartition(info, req['partition_name']);
    const pk = primaryField(info.schema);
    let autoIds: PkValue[] | undefined;
    if (pk.autoID && !upsert) {
      const first = autoIdStart!;
      autoIds = rows.map((_, i) => (pk.data_type === DataType.Int64 ? BigInt(first + i) : String(first + i)));
    }
    // Converted, checked and routed whole before anything is sent: a bad row rejects the batch
    // unwritten. Each part keeps only its routed columns (the request's memory, docs/HARDENING.md).
    const outputs = await functionOutputs(info.schema);
    const pks: PkValue[] = [];
    const parts = rowChunks(rows as Row[], WRITE_CHUNK_BYTES).map(([from, to]) => {
      const batch = rowsToBatch(info.schema, (rows as Row[]).slice(from, to), {
        ...(autoIds ? { autoIds: autoIds.slice(from, to) } : {}),
        allowAutoIdInput: upsert,
        ...(outputs ? { functionOutputs: outputs } : {}),
      });
      for (const key of primaryKeysOf(batch, pk)) pks.push(key);
      return routeBatch(info, batch, partitionId);
    });
    const t = this.target(info);
    // Each part stays under the DO RPC message limit (32 MiB). Parts go in order, so a key the
    // batch repeats keeps its last row across parts as routeBatch keeps it within one.
    const results: WriteResult[] = [];
    for (const [i, routed] of parts.entries()) {
      results.push(...(await settleAll(
        routed.map((r, j) =>
          this.reach<WriteResult>(`shard ${r.shard} of ${info.name}`, () =>
            this.leader(info, r.shard).write(t, r.shard, { kind: 'insert', upsert, partitionId: r.partitionId, batch: r.batch, ...keyed(requestId, `${i}.${j}`) }),
          ),
        ),
      )));
    }
    return mutationResult(info, pks, upsert, results);
  }

  /**
   * Upsert with partial_update: the rows are completed with what is stored now and checked
   * whole here (a bad row, or a new key without its required fields, rejects the batch before
   * anything is written); each shard's leader then merges its rows again under its write gate,
   * at a fresh timestamp, so concurrent writes to a key are never lost.
   */
  private async partialUpsert(req: Req, rows: Row[]) {
    const requestId = requestIdOf(req);
    const { info, guarantee, level } = await this.begin(req, { read: true, consistencyLevel: 'Strong' });
    const partitionId = targetPartition(info, req['partition_name']);
    const pk = primaryField(info.schema);
    const keys = partialKeys(info, rows);
    const plan = storedRowsPlan(info, keys);
    const t = this.target(info);
    const at: ReadAt = { level, guarantee };
    const found = await Promise.all(
      [...routeKeys(info, parseIds(info.schema, keys)).keys()].map((s) =>
        this.reach<{ rows: PartialRow[]; nodeCalls: number }>(`shard ${s} of ${info.name}`, () => this.leader(info, s).query(t, s, plan, at)),
      ),
    );
    for (const f of found) this.calls += f.nodeCalls;
    const outputs = await functionOutputs(info.schema);
    const merged = mergeStoredRows(info, rows, keys, mergeQueryPlan(plan, found.map((f) => f.rows), true));
    const pks = primaryKeysOf(rowsToBatch(info.schema, merged, { allowAutoIdInput: true, ...(outputs ? { functionOutputs: outputs } : {}) }), pk);
    const byShard = new Map<number, Row[]>();
    pks.forEach((key, i) => {
      const s = bucketOf(key, info.shardsNum);
      const list = byShard.get(s);
      if (list) list.push(rows[i]!);
      else byShard.set(s, [rows[i]!]);
    });
    // shards in parallel, each shard's parts in order (a key the batch repeats keeps its last row)
    const perShard = await settleAll(
      [...byShard].map(async ([s, list]) => {
        const out: WriteResult[] = [];
        for (const [i, [from, to]] of rowChunks(list, WRITE_CHUNK_BYTES).entries()) {
          out.push(await this.reach<WriteResult>(`shard ${s} of ${info.name}`, () => this.leader(info, s).write(t, s, { kind: 'partialUpsert', partitionId, rows: list.slice(from, to), ...keyed(requestId, `p${s}.${i}`) })));
        }
        return out;
      }),
    );
    const results = perShard.flat();
    return mutationResult(info, pks, true, results);
  }

  private async delete(req: Req) {
    const requestId = requestIdOf(req);
    const { info } = await this.begin(req);
    const partitionName = req['partition_name'];
    const partitionId = partitionName !== undefined && partitionName !== '' && partitionName !== null ? [...partitionIds(info, [partitionName])!][0]! : -1;
    let byShard: [number, PkValue[] | undefined][];
    let deleteFilter: FilterPlan | undefined;
    if (req['ids'] !== undefined && req['ids'] !== null) {
      byShard = [...routeKeys(info, parseIds(info.schema, req['ids']))];
    } else {
      const filter = filterPlan(info.schema, req);
      if (!filter) throw new VesperError('PARAMETER_INVALID', 'delete needs a non-empty filter or ids');
      const keys = filterKeys(filter);
      byShard = keys ? [...routeKeys(info, [...keys])] : this.shards(info).map((s) => [s, undefined]);
      deleteFilter = filter;
    }
    const t = this.target(info);
    const results = await settleAll(
      byShard.map(([shard, pks]) =>
        this.reach<WriteResult>(`shard ${shard} of ${info.name}`, () =>
          this.leader(info, shard).write(t, shard, { ...(pks ? { kind: 'delete', partitionId, pks } : { kind: 'deleteWhere', partitionId, filter: deleteFilter! }), ...keyed(requestId, `d${shard}`) }),
        ),
      ),
    );
    const all = results.flatMap((r) => [...(r.pks ?? [])]);
    return {
      status: SUCCESS,
      succ_index: [],
      err_index: [],
      IDs: renderIds(info.schema, all),
      acknowledged: false,
      insert_cnt: '0',
      delete_cnt: String(all.length),
      upsert_cnt: '0',
      timestamp: maxTs(results.map((r) => r.ts)).toString(),
    };
  }

  /** One search on every shard: per shard its top offset + limit (merged across its nodes), and the leaders' query-node calls. */
  private async searchShards(info: CollectionInfo, plan: SearchPlan, at: (shard: number) => ReadAt): Promise<{ ts: bigint; hits: PartialHit[][]; nodeCalls: number }[]> {
    const parts = await this.eachShard<{ ts: bigint; hits: PartialHit[][]; nodeCalls: number }>(info, (l, t, s) => l.search(t, s, plan, at(s)));
    for (const p of parts) this.calls += p.nodeCalls;
    return parts;
  }

  /**
   * A full-text search's first round: the collection's BM25 statistics, each shard read at its
   * snapshot (returned, so the search itself reads the same one), summed over the shards.
   */
  private async textRound(info: CollectionInfo, request: Bm25StatsRequest, at: (shard: number) => ReadAt): Promise<{ stats: Bm25Stats; pinned: Map<number, bigint> }> {
    const parts = await this.eachShard<{ ts: bigint; stats: Bm25Stats }>(info, (l, t, s) => l.bm25Stats(t, s, request, at(s)));
    const pinned = new Map(parts.map((p, s) => [s, p.ts] as const));
    return { stats: sumStats(parts.map((p) => p.stats), request.terms.length), pinned };
  }

  private async search(req: Req) {
    const r = await this.searchHits(req);
    return {
      status: SUCCESS,
      ...searchResults(searchRows(r.info, r.hits), r.single),
      recalls: [],
      session_ts: r.ts,
      collection_name: r.info.name,
    };
  }

  /** A search's merged hits per query, unrendered (rows in engine values). */
  private async searchHits(req: Req): Promise<{ info: CollectionInfo; hits: PartialHit[][]; single: boolean; ts: string }> {
    // a pinned snapshot (the search iterator's later pages): every shard reads exactly there
    const pinned = req['snapshot_ts'] !== undefined ? snapshotOf(req['snapshot_ts']) : undefined;
    const b = await this.beginRead(pinned === undefined ? req : { ...req, consistency_level: 'Strong' });
    if (pinned !== undefined && pinned > b.guarantee) throw snapshotError(req['snapshot_ts']);
    const text = await textSearch(b.info, req);
    let at = (_s: number): ReadAt => (pinned === undefined ? { level: b.level, guarantee: b.guarantee } : { level: b.level, guarantee: 0n, pinned });
    // prepared once, here: leaders and query nodes receive the plan (a text search is planned
    // again once its first round has the collection's BM25 statistics)
    let plan = prepareSearch(b.info, text ? probeRequest(req, text) : req);
    if (text) {
      const round = await this.textRound(b.info, text.stats, at);
      plan = prepareSearch(b.info, resolvedRequest(req, text, round.stats));
      at = (s) => ({ level: b.level, guarantee: b.guarantee, pinned: round.pinned.get(s)! });
    }
    const parts = await this.searchShards(b.info, plan, at);
    return { info: b.info, hits: mergeSearchPlan(plan, parts.map((p) => p.hits), true), single: plan.single, ts: maxTs(parts.map((p) => p.ts)).toString() };
  }

  private async hybridSearch(req: Req) {
    const r = await this.hybridHits(req);
    const results = hybridRows(r.info, r.fused);
    return {
      status: SUCCESS,
      ...searchResults(results, results.rows.length === 1),
      recalls: [],
      session_ts: r.ts,
      collection_name: r.info.name,
    };
  }

  /** A hybrid search's fused hits per query, unrendered. */
  private async hybridHits(req: Req): Promise<{ info: CollectionInfo; fused: Fused[][]; ts: string }> {
    const b = await this.beginRead(req);
    const plan = await prepareHybrid(b.info, req as unknown as HybridSearchRequest);
    // Every sub-search (and a full-text one's statistics) reads each shard at the snapshot the first read got.
    const pinned = new Map<number, bigint>();
    const at = (s: number): ReadAt => {
      const ts = pinned.get(s);
      return ts === undefined ? { level: b.level, guarantee: b.guarantee } : { level: b.level, guarantee: b.guarantee, pinned: ts };
    };
    const pin = (s: number, ts: bigint): void => {
      if (!pinned.has(s)) pinned.set(s, ts);
    };
    const stats = async (request: Bm25StatsRequest) => {
      const round = await this.textRound(b.info, request, at);
      round.pinned.forEach((ts, s) => pin(s, ts));
      return round.stats;
    };
    const fused = await executeHybrid(plan, async (_sub, i) => {
      const sub = await resolvedSub(b.info, plan, i, stats);
      const parts = await this.searchShards(b.info, sub, at);
      parts.forEach((part, s) => pin(s, part.ts));
      return mergeSearchPlan(sub, parts.map((x) => x.hits), true);
    });
    return { info: b.info, fused, ts: maxTs([...pinned.values()]).toString() };
  }

  private async query(req: Req) {
    const r = await this.queryRows(req);
    return { status: SUCCESS, data: r.rows.map(renderRow), session_ts: r.ts };
  }

  /** A query's (or get's, or count's) rows, unrendered: engine values. */
  private async queryRows(req: Req): Promise<{ rows: Record<string, unknown>[]; ts: string }> {
    // a pinned snapshot (the query iterator's later pages): every shard reads exactly there
    const pinned = req['snapshot_ts'] !== undefined ? snapshotOf(req['snapshot_ts']) : undefined;
    const b = await this.beginRead(pinned === undefined ? req : { ...req, consistency_level: 'Strong' });
    if (pinned !== undefined && pinned > b.guarantee) throw snapshotError(req['snapshot_ts']);
    const plan = prepareQuery(b.info, req);
    const t = this.target(b.info);
    const at: ReadAt = pinned === undefined ? { level: b.level, guarantee: b.guarantee } : { level: b.level, guarantee: 0n, pinned };
    // A get by keys only asks the shards that can hold them.
    const keys = filterKeys(plan.filter);
    const shards = keys ? [...routeKeys(b.info, [...keys]).keys()] : this.shards(b.info);
    const parts = await Promise.all(
      shards.map((s) => this.reach<{ ts: bigint; rows: PartialRow[]; count: number; nodeCalls: number }>(`shard ${s} of ${b.info.name}`, () => this.leader(b.info, s).query(t, s, plan, at))),
    );
    for (const p of parts) this.calls += p.nodeCalls;
    const ts = maxTs(parts.map((p) => p.ts)).toString();
    if (plan.kind === 'count') return { rows: [{ 'count(*)': parts.reduce((n, p) => n + p.count, 0) }], ts };
    return { rows: mergeQueryPlan(plan, parts.map((p) => p.rows), true).map((r) => r.row), ts };
  }

  /**
   * A read answered before rendering (rows in engine values: Int64 as bigint, binary vectors
   * as bytes, sparse vectors as SparseVector), for a caller that renders rows once in its
   * own form (the REST layer); `call` answers the same read rendered in the SDK's shape.
   */
  read<M extends RawReadMethod>(method: M, request: Req): Promise<RawRead<M>> {
    if (!Object.hasOwn(DistributedEngine.READS, method)) return Promise.reject(new VesperError('UNIMPLEMENTED', `${showValue(method)} has no unrendered form: read answers search, hybridSearch, query and get`));
    // READS' entry for M answers RawRead<M> (checked where it is declared)
    return (DistributedEngine.READS[method] as (e: DistributedEngine, r: Req) => Promise<RawRead<M>>)(this, request);
  }

  /** Engine.read's reads, each answering its own RawRead type. */
  private static readonly READS: { readonly [M in RawReadMethod]: (e: DistributedEngine, r: Req) => Promise<RawRead<M>> } = {
    search: async (e, r) => ({ hits: (await e.searchHits(r)).hits.map((l) => l.map((h) => ({ row: h.row, score: h.distance }))) }),
    hybridSearch: async (e, r) => ({ hits: (await e.hybridHits(r)).fused.map((l) => l.map((f) => ({ row: f.hit.row, score: f.score }))) }),
    query: async (e, r) => ({ rows: (await e.queryRows(r)).rows }),
    get: async (e, r) => ({ rows: (await e.queryRows(r)).rows }),
  };

  private async stats(info: CollectionInfo, partitions?: number[]): Promise<ShardStats[]> {
    return this.eachShard<ShardStats>(info, (l, t, s) => l.stats(t, s, partitions));
  }

  private async flush(req: Req) {
    const names = req['collection_names'];
    if (!Array.isArray(names)) throw new VesperError('PARAMETER_MISSING', 'collection_names is required');
    const segs: Record<string, { data: string[] }> = {};
    for (const name of names) {
      const { info } = await this.begin({ collection_name: name });
      const ids = await this.eachShard<number[]>(info, (l, t, s) => l.flush(t, s));
      segs[String(name)] = { data: ids.flat().map(String) };
    }
    const now = String(Date.now());
    return {
      status: SUCCESS,
      coll_segIDs: segs,
      flush_coll_segIDs: segs,
      coll_seal_times: Object.fromEntries(Object.keys(segs).map((k) => [k, now])),
      db_name: this.db,
    };
  }

  private async statistics(req: Req) {
    const { info } = await this.begin(req);
    const name = req['partition_name'];
    const parts = name !== undefined ? [...partitionIds(info, [name])!] : undefined;
    const value = String((await this.stats(info, parts)).reduce((n, s) => n + s.liveRows, 0));
    return { status: SUCCESS, stats: [{ key: 'row_count', value }], data: { row_count: value } };
  }

  private async describeIndex(req: Req) {
    const desc = await this.coordinator.call(this.db, 'describeIndex', req);
    const { info } = await this.begin(req);
    const stats = await this.stats(info);
    // Counted over sealed segments only, as Milvus's DataCoord does (growing rows are in no
    // count): Finished means indexed_rows = total_rows.
    const sealed = stats.reduce((n, s) => n + s.sealedRows, 0);
    return {
      ...desc,
      index_descriptions: desc.index_descriptions.map((d) => {
        const indexed = stats.reduce((n, s) => n + (s.indexedRows[String(d['field_name'])] ?? 0), 0);
        const pending = sealed - indexed;
        return { ...d, indexed_rows: String(indexed), total_rows: String(sealed), pending_index_rows: String(pending), state: pending === 0 ? ('Finished' as const) : ('InProgress' as const) };
      }),
    };
  }

  private async compact(req: Req) {
    const { info } = await this.begin(req);
    await this.eachShard(info, (l, t, s) => l.compact(t, s));
    // The coordinator records the job (its own manager holds no segment, so the job it runs
    // finds nothing); the leaders compacted their shards above, before answering.
    return this.coordinator.call(this.db, 'compact', req);
  }

  private async dropCollection(req: Req) {
    let info: CollectionInfo;
    try {
      ({ info } = await this.begin(req));
    } catch (e) {
      // Dropping a collection that does not exist succeeds (Milvus): the coordinator answers.
      if (VesperError.is(e, 'COLLECTION_NOT_FOUND')) return this.coordinator.call(this.db, 'dropCollection', req);
      throw e;
    }
    const out = await this.coordinator.call(this.db, 'dropCollection', req);
    await this.eachShard(info, (l, t, s) => l.close(t, s, true));
    return out;
  }

  private async release<M extends 'releaseCollection' | 'releasePartitions'>(method: M, req: Req) {
    const out = await this.coordinator.call(this.db, method, req);
    const { info } = await this.begin(req);
    // releasing some partitions keeps the collection loaded (reads skip them): leaders stay open
    if (!info.loaded) await this.eachShard(info, (l, t, s) => l.close(t, s, false));
    return out;
  }

  private async ddl<M extends EdgeMethod>(method: M, req: Req): Promise<EdgeResponse<M>> {
    const out = await this.coordinator.call(this.db, method, req);
    // A collection renamed into another database is found there (its leaders keep its id).
    const movedTo = method === 'renameCollection' && typeof req['new_db_name'] === 'string' && req['new_db_name'] !== '' && req['new_db_name'] !== this.db;
    if (REFRESH_AFTER.has(method) && !movedTo) {
      const name = method === 'renameCollection' ? req['new_collection_name'] : req['collection_name'];
      const { info } = await this.begin({ collection_name: name });
      await this.eachShard(info, (l, t, s) => l.refresh(t, s));
    }
    return out;
  }
}

/**
 * Waits for every shard's part of a write, then fails with the first error if any failed: a
 * caller told "failed" never sees a part of its batch appear afterwards (the parts that
 * succeeded are visible by then; a retry rewrites them, last write wins).
 */
async function settleAll<T>(parts: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(parts);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** A `snapshot_ts` as a timestamp (checked against the oracle once the read has begun). */
function snapshotOf(value: unknown): bigint {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value) || BigInt(value) === 0n) throw snapshotError(value);
  return BigInt(value);
}

function snapshotError(value: unknown): VesperError {
  return new VesperError('PARAMETER_INVALID', `snapshot_ts must be a timestamp this database answered (session_ts of an earlier read), got ${showValue(String(value).slice(0, 40))}`);
}

function mutationResult(info: CollectionInfo, pks: readonly PkValue[], upsert: boolean, results: readonly WriteResult[]) {
  const n = String(pks.length);
  return {
    status: SUCCESS,
    succ_index: pks.map((_, i) => i),
    err_index: [],
    IDs: renderIds(info.schema, pks),
    acknowledged: false,
    insert_cnt: upsert ? '0' : n,
    delete_cnt: '0',
    upsert_cnt: upsert ? n : '0',
    timestamp: maxTs(results.map((r) => r.ts)).toString(),
  };
}

function maxTs(list: readonly bigint[]): bigint {
  return list.reduce((a, b) => (b > a ? b : a), 0n);
}

/** A write's request id (`request_id`): 1–128 letters, digits and `._:-`. @throws PARAMETER_INVALID */
function requestIdOf(req: Req): string | undefined {
  const id = req['request_id'];
  if (id === undefined || id === null) return undefined;
  if (typeof id !== 'string' || !REQUEST_ID.test(id)) throw new VesperError('PARAMETER_INVALID', `request_id must be 1 to 128 letters, digits or ._:- characters, got ${showValue(id)}`);
  return id;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The shard write's idempotency key for one part of a request (none without a request id). */
function keyed(requestId: string | undefined, part: string): { requestKey?: string } {
  return requestId === undefined ? {} : { requestKey: `${requestId}/${part}` };
}
