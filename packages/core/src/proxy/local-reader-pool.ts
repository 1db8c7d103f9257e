/**
 * LocalReaderPool: a ReaderPool whose readers are SealedReplicas in this same thread. It gives
 * no parallelism; it is the reference the runtime pools (the browser's query workers) follow
 * — split the writer's assignment, sync each reader, let each answer the plan for its share —
 * and it runs the whole replica path in tests.
 */
import type { CollectionInfo } from '../catalog/types.ts';
import type { VectorIndexFactory } from '../index/vector-index.ts';
import type { ObjectStore } from '../adapters/object-store.ts';
import type { PkValue } from '../segments/segment.ts';
import { StoredCells, type OutputPlan } from '../query/output.ts';
import type { PartialRow, PartialSearch } from '../query/partial.ts';
import { partitionSet, type CountPlan, type FilterPlan, type QueryPlan, type SearchPlan } from '../query/read-plan.ts';
import { prepareSearch, readCount, readKeys, readQuery, readSearch, searchScanFields, type ReaderPool } from '../query/read-executor.ts';
import { SealedReplica, splitAssignment, type ReplicaAssignment } from '../segments/sealed-replica.ts';
import { statsShare, sumStats, type Bm25Stats, type Bm25StatsRequest } from './text-search.ts';

/**
 * A reader's answer for its share (the replica synced to it), read at the writer's `ts`.
 * Every reader — in this thread, a query worker, a QueryNode DO — answers through these.
 */
export async function searchShare(replica: SealedReplica, plan: SearchPlan, ts: bigint): Promise<PartialSearch> {
  // indexes that read by range (IVF_PQ) read first; the search itself is synchronous
  // a grouping that may scan a segment exactly reads its vector column back (a lean reader left it in the store)
  const segments = replica.segments(partitionSet(plan.partitionIds));
  const outputs = fieldNames(plan.output);
  const scanned = searchScanFields(segments, plan);
  const prepared = prepareSearch(segments, ts, plan);
  if (prepared === undefined) return replica.answer(outputs, () => withStoredRows(replica, plan.output, (later) => readSearch(replica.segments(partitionSet(plan.partitionIds)), ts, plan, later)), scanned);
  const release = await prepared;
  try {
    return await replica.answer(outputs, () => withStoredRows(replica, plan.output, (later) => readSearch(segments, ts, plan, later)), scanned);
  } finally {
    release();
  }
}

export function queryShare(replica: SealedReplica, plan: QueryPlan, ts: bigint): Promise<PartialRow[]> {
  return replica.answer(fieldNames(plan.output), () => withStoredRows(replica, plan.output, (later) => readQuery(replica.segments(partitionSet(plan.partitionIds)), ts, plan, later)));
}

/** The fields an answer outputs: of a column a reader left in the store, it reads the returned rows afterwards. */
function fieldNames(output: OutputPlan): string[] {
  return output.fields.map((f) => f.name);
}

/** A synchronous read whose output cells of columns left in the store are gathered, then read by row. */
async function withStoredRows<T>(replica: SealedReplica, output: OutputPlan, read: (later: StoredCells) => T): Promise<T> {
  const later = new StoredCells(output);
  const answer = read(later);
  if (!later.empty) await later.fill(replica);
  return answer;
}

/** BM25 statistics over every row of the share (all partitions: the corpus is the collection). */
export function bm25StatsShare(replica: SealedReplica, request: Bm25StatsRequest, ts: bigint): Bm25Stats {
  return statsShare(replica.segments(undefined), ts, request);
}

export function countShare(replica: SealedReplica, plan: CountPlan, ts: bigint): number {
  return readCount(replica.segments(partitionSet(plan.partitionIds)), ts, plan);
}

/**
 * Primary keys of the share's rows a delete's filter matches at ts, in one partition (or all
 * when partitionId < 0): a hollow writer's delete-by-filter asks its readers for these.
 */
export function keysShare(replica: SealedReplica, filter: FilterPlan, ts: bigint, partitionId: number): PkValue[] {
  return readKeys(replica.segments(partitionId >= 0 ? new Set([partitionId]) : undefined), ts, filter);
}

export class LocalReaderPool implements ReaderPool {
  private readonly replicas = new Map<number, SealedReplica[]>();

  constructor(
    readonly readers: number,
    private readonly objects: ObjectStore,
    private readonly indexFactory?: (indexType: string) => VectorIndexFactory,
  ) {}

  covers(): boolean {
    return this.readers > 0;
  }

  private async synced(info: CollectionInfo, a: ReplicaAssignment): Promise<SealedReplica[]> {
    let reps = this.replicas.get(info.id);
    const src = { objects: this.objects, schema: info.schema, indexFactory: this.indexFactory };
    if (!reps) {
      reps = Array.from({ length: this.readers }, () => new SealedReplica(src));
      this.replicas.set(info.id, reps);
    }
    const shares = splitAssignment(a, this.readers);
    await Promise.all(
      reps.map((r, i) => {
        r.setSource(src);
        return r.sync(shares[i]!);
      }),
    );
    return reps;
  }

  async search(info: CollectionInfo, a: ReplicaAssignment, plan: SearchPlan, ts: bigint): Promise<PartialSearch[]> {
    return Promise.all((await this.synced(info, a)).map((r) => searchShare(r, plan, ts)));
  }

  async query(info: CollectionInfo, a: ReplicaAssignment, plan: QueryPlan, ts: bigint): Promise<PartialRow[][]> {
    return Promise.all((await this.synced(info, a)).map((r) => queryShare(r, plan, ts)));
  }

  async count(info: CollectionInfo, a: ReplicaAssignment, plan: CountPlan, ts: bigint): Promise<number[]> {
    return (await this.synced(info, a)).map((r) => countShare(r, plan, ts));
  }

  async bm25Stats(info: CollectionInfo, a: ReplicaAssignment, request: Bm25StatsRequest, ts: bigint): Promise<Bm25Stats> {
    const parts = (await this.synced(info, a)).map((r) => bm25StatsShare(r, request, ts));
    return sumStats(parts, request.terms.length);
  }

  /** Segments and rows the readers hold now, over every collection. */
  stats(): { segments: number; rows: number } {
    let segments = 0;
    let rows = 0;
    for (const reps of this.replicas.values()) {
      for (const r of reps) {
        segments += r.ids().length;
        rows += r.rowCount;
      }
    }
    return { segments, rows };
  }

  close(): void {
    for (const reps of this.replicas.values()) for (const r of reps) r.close();
    this.replicas.clear();
  }
}
