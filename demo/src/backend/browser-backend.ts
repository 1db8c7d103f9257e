/**
 * "This browser": the engine in a worker (`@vesper/browser` openDatabase('opfs://…')), data in
 * OPFS and IndexedDB, shared by this origin's tabs (one leads and runs the engine). The page
 * measures each call's latency itself: nothing crosses a network, so there is no server time.
 * An optional memory budget bounds what disk-resident indexes (IVF_PQ) keep of what they read
 * by range; `cacheStats()` sums the block caches `db.stats()` reports.
 */
import { DataType, openDatabase, waitForIndex, type BrowserDatabase, type DatabaseStats, type QueryWorkerStats, type StorageStats } from '@vesper/browser';
import kernels from '@vesper/core/kernels.wasm?url';
import { rerankBody, toBackendError, type Backend, type HybridOptions, type CollectionInfo, type CollectionSpec, type Consistency, type Hit, type Row, type SearchOptions, type Timed } from './backend.ts';
import { collectionInfo, toFieldSpec } from './describe.ts';

const TYPES: Record<string, DataType> = {
  Int64: DataType.Int64,
  VarChar: DataType.VarChar,
  FloatVector: DataType.FloatVector,
  Double: DataType.Double,
  Float: DataType.Float,
  Bool: DataType.Bool,
  JSON: DataType.JSON,
  SparseFloatVector: DataType.SparseFloatVector,
};

/** The block caches of the engine worker and the running query workers, summed (db.stats()). */
export interface CacheStats {
  /** The database's memoryBudget in bytes; undefined: none set (each worker has the default cache). */
  readonly memoryBudget: number | undefined;
  /** How many caches are summed (the engine worker's and each running query worker's). */
  readonly caches: number;
  readonly capacity: number;
  readonly residentBytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly bytesRead: number;
  readonly evictions: number;
}

export function sumCaches(s: DatabaseStats): CacheStats {
  const all = [s.blockCache, ...s.queryWorkers.filter((c) => c !== null)];
  const sum = (k: 'capacity' | 'residentBytes' | 'hits' | 'misses' | 'bytesRead' | 'evictions'): number => all.reduce((n, c) => n + c[k], 0);
  return {
    memoryBudget: s.memoryBudget, caches: all.length, capacity: sum('capacity'), residentBytes: sum('residentBytes'),
    hits: sum('hits'), misses: sum('misses'), bytesRead: sum('bytesRead'), evictions: sum('evictions'),
  };
}

/** Runs a call, turning what it throws into a BackendError. */
export async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toBackendError(err);
  }
}

export class BrowserBackend implements Backend {
  readonly kind: 'browser' | 'replica' = 'browser';
  /** The level of the reads the page makes without choosing one (counts, the rows table). */
  protected readonly readLevel: Consistency = 'Strong';
  /** A replica (replica-backend.ts) is a BrowserDatabase too: it reuses these calls. */
  protected constructor(readonly db: BrowserDatabase) {}

  /** Opens url; memoryBudget (bytes) bounds the block caches of disk-resident indexes (undefined: the default). */
  static async open(url: string, memoryBudget?: number): Promise<BrowserBackend> {
    return new BrowserBackend(await guarded(() => openDatabase(url, { kernels, ...(memoryBudget === undefined ? {} : { memoryBudget }) })));
  }

  get label(): string {
    return `this browser (${this.db.url}, ${this.db.role} tab)`;
  }

  get role(): 'leader' | 'follower' | 'single' {
    return this.db.role;
  }

  workerStats(): Promise<QueryWorkerStats> {
    return this.db.queryWorkerStats();
  }

  async cacheStats(): Promise<CacheStats> {
    return sumCaches(await this.db.stats());
  }

  storage(): Promise<StorageStats> {
    return this.db.storageStats();
  }

  requestPersistence(): Promise<boolean> {
    return this.db.requestPersistence();
  }

  listCollections(): Promise<string[]> {
    return guarded(async () => (await this.db.listCollections()).collection_names.slice().sort());
  }

  describe(name: string): Promise<CollectionInfo> {
    return guarded(async () => {
      const d = (await this.db.describeCollection({ collection_name: name })) as { schema: { fields: Array<{ name: string; data_type: string; is_primary_key: boolean; autoID: boolean; type_params: { key: string; value: string }[] }> } };
      const fields = d.schema.fields.map((f) => toFieldSpec({ name: f.name, type: f.data_type, primary: f.is_primary_key, autoId: f.autoID, typeParams: f.type_params }));
      const vectorField = fields.find((f) => f.type === 'FloatVector')?.name;
      const index = await this.indexOf(name, vectorField);
      return collectionInfo(name, fields, index, await this.count(name));
    });
  }

  /** The index on vectorField (else the collection's first) as describeIndex reports it; undefined without one. */
  protected async indexOf(name: string, vectorField: string | undefined): Promise<CollectionInfo['index']> {
    const all = (await this.db.describeIndex({ collection_name: name }).catch(() => ({ index_descriptions: [] }))).index_descriptions;
    const idx = all.find((i) => i.field_name === vectorField) ?? all[0];
    return idx && {
      indexType: idx.index_type,
      metric: idx.metric_type,
      params: Object.fromEntries(idx.params.map((p) => [p.key, p.value])),
      indexedRows: Number(idx.indexed_rows),
      totalRows: Number(idx.total_rows),
    };
  }

  create(spec: CollectionSpec): Promise<void> {
    return guarded(async () => {
      const vector = spec.fields.find((f) => f.type === 'FloatVector');
      await this.db.createCollection({
        collection_name: spec.name,
        fields: spec.fields.map((f) => ({
          name: f.name,
          data_type: TYPES[f.type] ?? DataType.None,
          ...(f.primary ? { is_primary_key: true, autoID: f.autoId ?? false } : {}),
          ...(f.dim !== undefined ? { dim: f.dim } : {}),
          ...(f.maxLength !== undefined ? { max_length: f.maxLength } : {}),
          ...(f.analyzer ? { enable_analyzer: true } : {}),
        })),
        ...(spec.bm25 ? { functions: [{ name: `${spec.bm25.input}_bm25`, type: 'BM25', input_field_names: [spec.bm25.input], output_field_names: [spec.bm25.output], params: {} }] } : {}),
        index_params: [
          { field_name: vector?.name ?? 'vector', index_type: spec.index.indexType, metric_type: spec.index.metric, params: spec.index.params },
          ...(spec.bm25 ? [{ field_name: spec.bm25.output, index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'BM25', params: {} }] : []),
        ],
      });
      await this.db.loadCollection({ collection_name: spec.name });
    });
  }

  drop(name: string): Promise<void> {
    return guarded(async () => void (await this.db.dropCollection({ collection_name: name })));
  }

  load(name: string): Promise<void> {
    return guarded(async () => void (await this.db.loadCollection({ collection_name: name })));
  }

  insert(name: string, rows: Row[], onProgress?: (done: number, total: number) => void): Promise<number> {
    return guarded(async () => {
      const res = await this.db.insert({ collection_name: name, data: rows, batch_size: 500, onProgress: (p) => onProgress?.(p.done, p.total) });
      return Number(res.insert_cnt);
    });
  }

  upsert(name: string, rows: Row[]): Promise<number> {
    return guarded(async () => Number((await this.db.upsert({ collection_name: name, data: rows })).upsert_cnt));
  }

  deleteByIds(name: string, ids: readonly unknown[]): Promise<number> {
    return guarded(async () => Number((await this.db.delete({ collection_name: name, ids: ids as (string | number)[] })).delete_cnt));
  }

  flushAndIndex(name: string, onProgress?: (indexed: number, total: number) => void): Promise<void> {
    return guarded(async () => {
      await this.db.flush({ collection_names: [name] });
      await waitForIndex(this.db, { collection_name: name }, { onProgress: (p) => onProgress?.(p.indexedRows, p.totalRows) });
    });
  }

  count(name: string, consistency: Consistency = this.readLevel): Promise<number> {
    return guarded(async () => (await this.db.count({ collection_name: name, consistency_level: consistency })).data);
  }

  query(name: string, o: { filter: string; offset: number; limit: number; outputFields: readonly string[]; consistency?: Consistency }): Promise<Timed<Row[]>> {
    return guarded(async () => {
      const t0 = performance.now();
      const res = await this.db.query({ collection_name: name, filter: o.filter, offset: o.offset, limit: o.limit, output_fields: [...o.outputFields], consistency_level: o.consistency ?? this.readLevel });
      return { value: res.data, clientMs: performance.now() - t0, serverMs: undefined };
    });
  }

  /** The Milvus SDK's query iterator (`db.queryIterator`): every batch reads one snapshot. */
  async *scan(name: string, o: { filter: string; outputFields: readonly string[]; batchSize: number }): AsyncIterable<Row[]> {
    try {
      const it = await this.db.queryIterator({ collection_name: name, filter: o.filter, output_fields: [...o.outputFields], batchSize: o.batchSize, consistency_level: 'Strong' });
      for await (const batch of it) yield batch;
    } catch (err) {
      throw toBackendError(err);
    }
  }

  get(name: string, ids: readonly unknown[], outputFields: readonly string[]): Promise<Row[]> {
    return guarded(async () => (await this.db.get({ collection_name: name, ids: ids as (string | number)[], output_fields: [...outputFields] })).data);
  }

  search(name: string, o: SearchOptions): Promise<Timed<Hit[]>> {
    return guarded(async () => {
      const t0 = performance.now();
      const res = await this.db.search({
        collection_name: name,
        data: typeof o.vector === 'string' ? [o.vector] : [...o.vector],
        ...(o.annsField ? { anns_field: o.annsField } : {}),
        limit: o.limit,
        ...(o.filter ? { filter: o.filter } : {}),
        ...(o.params ? { params: o.params } : {}),
        consistency_level: o.consistency ?? 'Bounded',
        output_fields: [...(o.outputFields ?? [])],
      });
      return { value: hitsOf(res.results), clientMs: performance.now() - t0, serverMs: undefined };
    });
  }

  hybridSearch(name: string, o: HybridOptions): Promise<Timed<Hit[]>> {
    return guarded(async () => {
      const t0 = performance.now();
      const res = await this.db.hybridSearch({
        collection_name: name,
        data: o.subs.map((s) => ({
          data: typeof s.vector === 'string' ? [s.vector] : [...s.vector],
          anns_field: s.annsField,
          limit: o.limit,
          ...(o.filter ? { filter: o.filter } : {}),
          ...(s.params ? { params: s.params } : {}),
        })),
        rerank: rerankBody(o.rerank),
        limit: o.limit,
        consistency_level: o.consistency ?? 'Bounded',
        output_fields: [...(o.outputFields ?? [])],
      });
      return { value: hitsOf(res.results), clientMs: performance.now() - t0, serverMs: undefined };
    });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** A search's hits for its one query (a list of query texts answers one list per text). */
function hitsOf(results: readonly unknown[]): Hit[] {
  const list = (Array.isArray(results[0]) ? results[0] : results) as Array<Row & { id: unknown; score: number }>;
  return list.map(({ id, score, ...fields }) => ({ id, score, fields }));
}
