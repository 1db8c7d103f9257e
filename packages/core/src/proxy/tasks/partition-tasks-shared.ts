/** Shared checks for partition DDL: partition-key collections manage their partitions themselves. */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo } from '../../catalog/types.ts';

export function assertManualPartitions(info: CollectionInfo, verb: string): void {
  if (info.numPartitions > 0) {
    throw new VesperError('PARAMETER_INVALID', `disable ${verb} partition if partition key mode is used`);
  }
}
