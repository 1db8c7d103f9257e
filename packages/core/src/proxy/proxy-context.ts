/**
 * What tasks work with: the catalog (RootCoord), the timestamp oracle and id allocators,
 * and the open collections' SegmentManagers (DataNode/QueryNode side), opened lazily on
 * first use — opening replays the collection's WAL tail, so it must finish before any new
 * write to that collection.
 */
import { VesperError } from '../errors/index.ts';
import type { StorageSet } from '../adapters/storage-set.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { IdAllocator } from '../catalog/id-allocator.ts';
import type { Tso } from '../catalog/tso.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import { DEFAULT_DATABASE } from '../catalog/types.ts';
import type { VectorIndexFactory } from '../index/vector-index.ts';
import { SegmentManager, purgeCollection } from '../segments/segment-manager.ts';
import { attachMaintenance, scheduleIndexBuilds } from '../segments/segment-maintenance.ts';
import { catalogViewRole, writerRole, type ManagerRole } from '../segments/holder-role.ts';
import type { SealPolicy } from '../segments/seal-policy.ts';
import type { ReaderPool } from '../query/read-executor.ts';
import { showValue } from '../util/show-value.ts';

export interface EngineOptions {
  readonly sealPolicy?: SealPolicy;
  readonly clock?: () => number;
  readonly indexFactory?: (indexType: string) => VectorIndexFactory;
  /** Bounded consistency's staleness window in ms (Milvus's default: 5 s). */
  readonly boundedStalenessMs?: number;
  readonly onBackgroundError?: (e: unknown) => void;
  /** Readers holding sealed segments outside this process (the browser's query workers). */
  readonly readers?: ReaderPool;
  /**
   * The role of the collection managers opened here (segments/holder-role.ts): `writer` (the
   * default) owns every shard and holds whole segments; `catalogView` is for data that lives
   * elsewhere (the edge's ShardLeader DOs) — the managers own no shard and hold no sealed
   * segment, they only track the manifest — so DDL tasks run without loading data or writing
   * any WAL.
   */
  readonly role?: 'writer' | 'catalogView';
}

export class ProxyContext {
  private readonly managers = new Map<number, Promise<SegmentManager>>();
  /** The managers of `managers` that finished opening. */
  private readonly open = new Map<number, SegmentManager>();
  /**
   * Compaction jobs by id (in memory, like Milvus's compaction trigger state), with the
   * collection each compacts (the REST layer authorizes a job's state on it).
   */
  readonly compactions = new Map<number, { state: 'Executing' | 'Completed' | 'Failed'; plans: number; collection: string }>();
  /** The role of every collection manager opened here (`EngineOptions.role`). */
  readonly managerRole: ManagerRole;

  constructor(
    readonly storage: StorageSet,
    readonly catalog: Catalog,
    readonly tso: Tso,
    readonly ids: IdAllocator,
    readonly autoIds: IdAllocator,
    readonly options: EngineOptions,
  ) {
    this.managerRole = options.role === 'catalogView' ? catalogViewRole() : writerRole();
  }

  dbName(req: { db_name?: unknown }): string {
    const db = req.db_name;
    if (db === undefined || db === null || db === '') return DEFAULT_DATABASE;
    if (typeof db !== 'string') throw new VesperError('PARAMETER_INVALID', `db_name must be a string, got ${showValue(db)}`);
    return db;
  }

  /** The collection named by `collection_name` (or an alias) in the request's database. */
  collection(req: { db_name?: unknown; collection_name?: unknown }): CollectionInfo {
    const name = req.collection_name;
    if (typeof name !== 'string' || name === '') {
      throw new VesperError('PARAMETER_MISSING', 'collection_name is required');
    }
    return this.catalog.collection(this.dbName(req), name);
  }

  /** The collection's SegmentManager when it is open already (a read then needs no promise hop), else undefined. */
  dataNow(info: CollectionInfo): SegmentManager | undefined {
    const mgr = this.open.get(info.id);
    if (mgr !== undefined) mgr.setInfo(this.catalog.collectionById(info.id) ?? info);
    return mgr;
  }

  /** The collection's SegmentManager, opened (and its WAL replayed) on first use. */
  data(info: CollectionInfo): Promise<SegmentManager> {
    let m = this.managers.get(info.id);
    if (!m) {
      const opts = this.options;
      m = SegmentManager.open(
        {
          storage: this.storage,
          tso: this.tso,
          ids: this.ids,
          ...(opts.sealPolicy ? { policy: opts.sealPolicy } : {}),
          ...(opts.clock ? { clock: opts.clock } : {}),
          ...(opts.indexFactory ? { indexFactory: opts.indexFactory } : {}),
          ...(opts.onBackgroundError ? { onBackgroundError: opts.onBackgroundError } : {}),
          role: this.managerRole,
        },
        info,
      ).then((mgr) => {
        attachMaintenance(mgr);
        // Builds interrupted by a crash or a release resume here.
        scheduleIndexBuilds(mgr, mgr.sealed);
        // still the entry (not closed meanwhile): reads may take it synchronously
        if (this.managers.get(info.id) === m) this.open.set(info.id, mgr);
        return mgr;
      });
      m.catch(() => this.managers.delete(info.id));
      this.managers.set(info.id, m);
    }
    return m.then((mgr) => {
      mgr.setInfo(this.catalog.collectionById(info.id) ?? info);
      return mgr;
    });
  }

  /** Closes a collection's manager; with purge its files and WAL go too. */
  async closeData(info: Pick<CollectionInfo, 'id' | 'shardsNum'>, purge: boolean): Promise<void> {
    const m = this.managers.get(info.id);
    this.managers.delete(info.id);
    this.open.delete(info.id);
    if (m) await (await m).close(purge);
    else if (purge) await purgeCollection(this.storage, info);
  }

  async closeAll(): Promise<void> {
    this.open.clear();
    for (const m of [...this.managers.values()]) await (await m).close(false);
    this.managers.clear();
  }

  openManagers(): Promise<SegmentManager[]> {
    return Promise.all(this.managers.values());
  }
}
