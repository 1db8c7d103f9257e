/**
 * LocalReaderPool: a ReaderPool whose readers are SealedReplicas in this same thread. It gives
 * no parallelism; it is the reference the runtime pools (the browser's query workers) follow
 * — split the writer's assignment, sync each reader, let each re-prepare the request and
 * answer for its share — and it runs the whole replica path in tests.
 */
import type { CollectionInfo } from '../catalog/types.ts';
import type { VectorIndexFactory } from '../index/vector-index.ts';
import type { ObjectStore } from '../adapters/object-store.ts';
import { countRows } from '../query/query-executor.ts';
import { queryPartial, searchPartial, type PartialRow, type PartialSearch } from '../query/partial.ts';
import { SealedReplica, splitAssignment, type ReplicaAssignment } from '../segments/sealed-replica.ts';
import { prepareQuery, prepareSearch, querySpec, type QueryRequestBody, type ReaderPool, type SearchRequestBody } from './prepared.ts';

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

  async search(info: CollectionInfo, a: ReplicaAssignment, request: SearchRequestBody, ts: bigint): Promise<PartialSearch[]> {
    const reps = await this.synced(info, a);
    return reps.map((r) => {
      const prep = prepareSearch(info, request);
      return searchPartial(r.segments(prep.parts), ts, prep.spec, prep.output);
    });
  }

  async query(info: CollectionInfo, a: ReplicaAssignment, request: QueryRequestBody, ts: bigint): Promise<PartialRow[][]> {
    const reps = await this.synced(info, a);
    return reps.map((r) => {
      const prep = prepareQuery(info, request);
      return queryPartial(r.segments(prep.parts), ts, querySpec(prep));
    });
  }

  async count(info: CollectionInfo, a: ReplicaAssignment, request: QueryRequestBody, ts: bigint): Promise<number> {
    const reps = await this.synced(info, a);
    let n = 0;
    for (const r of reps) {
      const prep = prepareQuery(info, request);
      n += countRows(r.segments(prep.parts), ts, prep.filter);
    }
    return n;
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
