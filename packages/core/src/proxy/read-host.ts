/**
 * The in-process host of the read pipeline: the collection's segment manager, and the reader
 * pool (the browser's query workers) when one covers it — what a proxy read task hands to
 * query/read-executor.ts with its plan.
 */
import type { CollectionInfo } from '../catalog/types.ts';
import type { SegmentManager } from '../segments/segment-manager.ts';
import { writerAssignment } from '../segments/sealed-replica.ts';
import { writerHost, type ReadHost } from '../query/read-executor.ts';
import type { ProxyContext } from './proxy-context.ts';

export function localHost(ctx: ProxyContext, mgr: SegmentManager, info: CollectionInfo, partitionIds: readonly number[] | undefined, ts: bigint): ReadHost {
  return writerHost(mgr, info, partitionIds, ts, ctx.options.readers, () => writerAssignment(mgr));
}
