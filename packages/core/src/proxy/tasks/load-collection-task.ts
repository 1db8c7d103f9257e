/**
 * LoadCollection / LoadPartitions: makes the collection searchable (Milvus's load), opening
 * its data (sealed segments, indexes, WAL tail) if not open yet. Without a vector index a
 * collection is searched exactly (FLAT), so loading does not require one.
 *
 * Loading partitions of a released collection loads those only (the others stay released,
 * `CollectionInfo.releasedPartitions`); of a loaded one, adds them. A name the collection does
 * not have is 200 and changes nothing.
 */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import { showValue } from '../../util/show-value.ts';
import { partitionIds } from '../request-utils.ts';
import { Task, SUCCESS, type Status } from '../task.ts';

export interface LoadRequest {
  db_name?: string;
  collection_name: string;
  partition_names?: string[];
  /** Load only: how many replicas to hold; Vesper holds one (1 is taken as a no-op, any other value is refused). */
  replica_number?: number;
}

/** The partition ids a load/release names (undefined: the whole collection). @throws 200 for an unknown name */
export function namedPartitions(info: CollectionInfo, req: LoadRequest, partitionsCall: boolean): Set<number> | undefined {
  const names = req.partition_names;
  if (partitionsCall && (!Array.isArray(names) || names.length === 0)) throw new VesperError('PARAMETER_MISSING', 'partition_names is required (a non-empty list of partition names)');
  if (partitionsCall && info.numPartitions > 0) throw new VesperError('PARAMETER_INVALID', 'disable load partitions if partition key mode is used');
  return partitionIds(info, names);
}

export class LoadCollectionTask extends Task<LoadRequest, Status> {
  readonly name: string = 'LoadCollection';
  readonly queue = 'ddl' as const;
  protected partitionsCall = false;
  private info!: CollectionInfo;
  private ids: Set<number> | undefined;

  override async preExecute(): Promise<void> {
    const replicas = this.req.replica_number;
    if (replicas !== undefined && replicas !== 1) {
      throw new VesperError('PARAMETER_INVALID', `replica_number ${showValue(replicas)} is not supported: Vesper holds one replica of a loaded collection (replica_number 1, the default)`, { param: 'replica_number' });
    }
    this.info = this.ctx.collection(this.req);
    this.ids = namedPartitions(this.info, this.req, this.partitionsCall);
  }

  async execute(): Promise<void> {
    await this.ctx.data(this.info);
    const ids = this.ids;
    // a whole-collection load loads every partition; a partitions load of a released
    // collection loads those only, of a loaded one adds them
    const released =
      ids === undefined ? [] : this.info.loaded ? (this.info.releasedPartitions ?? []).filter((id) => !ids.has(id)) : this.info.partitions.map((p) => p.id).filter((id) => !ids.has(id));
    const before = this.info.releasedPartitions ?? [];
    if (this.info.loaded && released.length === before.length) return;
    await this.ctx.catalog.updateCollection({ ...this.info, loaded: true, releasedPartitions: released });
  }

  postExecute(): Status {
    return SUCCESS;
  }
}

export class LoadPartitionsTask extends LoadCollectionTask {
  override readonly name: string = 'LoadPartitions';
  protected override partitionsCall = true;
}
