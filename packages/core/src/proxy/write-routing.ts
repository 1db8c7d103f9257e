/**
 * Routing of a write batch (Milvus's proxy assignSegmentID/repack): rows go to a partition
 * (the named one, or by hashing the partition-key value) and to a shard by hashing the
 * primary key. Returns one sub-batch per (partition, shard).
 *
 * Last write wins inside a batch as it does across batches: a key the batch repeats keeps only
 * its last row (insert and upsert alike, in every runtime — the edge routes through here too),
 * so reads by key, counts and searches agree before and after a flush.
 */
import { VesperError } from '../errors/index.ts';
import { takeRows, valueAt } from '../schema/column-ops.ts';
import type { Column } from '../schema/columns.ts';
import { primaryKeysOf, type RowBatch } from '../schema/row-batch.ts';
import { primaryField } from '../schema/types.ts';
import { DEFAULT_PARTITION, type CollectionInfo } from '../catalog/types.ts';
import { bucketOf } from '../util/hash.ts';

export interface RoutedBatch {
  readonly partitionId: number;
  readonly shard: number;
  readonly batch: RowBatch;
}

/** The partition a write addresses; partition-key collections refuse an explicit one. */
export function targetPartition(info: CollectionInfo, partitionName: unknown): number | undefined {
  if (info.numPartitions > 0) {
    if (partitionName !== undefined && partitionName !== null && partitionName !== '') {
      throw new VesperError('PARAMETER_INVALID', 'not support manually specifying the partition names if partition key mode is used');
    }
    return undefined;
  }
  const name = partitionName === undefined || partitionName === null || partitionName === '' ? DEFAULT_PARTITION : partitionName;
  const p = info.partitions.find((x) => x.name === name);
  if (!p) throw new VesperError('PARTITION_NOT_FOUND', `partition not found[partition=${String(name)}]`);
  return p.id;
}

/** The batch without the earlier rows of a key it repeats (the same batch when none repeats). */
export function lastRowPerKey(info: CollectionInfo, batch: RowBatch): RowBatch {
  const pks = primaryKeysOf(batch, primaryField(info.schema));
  const last = new Map<bigint | string, number>();
  for (let r = 0; r < pks.length; r++) last.set(pks[r]!, r);
  if (last.size === pks.length) return batch;
  const keep = [...last.values()].sort((a, b) => a - b);
  const columns = new Map<string, Column>();
  for (const f of info.schema.fields) {
    const col = batch.columns.get(f.name);
    if (col) columns.set(f.name, takeRows(col, keep, f));
  }
  return { count: keep.length, columns };
}

export function routeBatch(info: CollectionInfo, whole: RowBatch, partitionId: number | undefined): RoutedBatch[] {
  const batch = lastRowPerKey(info, whole);
  const pkField = primaryField(info.schema);
  const pks = primaryKeysOf(batch, pkField);
  const keyField = info.schema.fields.find((f) => f.is_partition_key);
  const keyCol: Column | undefined = keyField ? batch.columns.get(keyField.name) : undefined;
  const groups = new Map<string, { partitionId: number; shard: number; rows: number[] }>();
  for (let r = 0; r < batch.count; r++) {
    let pid = partitionId;
    if (pid === undefined) {
      const v = valueAt(keyCol!, r) as bigint | string;
      pid = info.partitions[bucketOf(v, info.numPartitions)]!.id;
    }
    const shard = bucketOf(pks[r]!, info.shardsNum);
    const key = `${pid}/${shard}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { partitionId: pid, shard, rows: [] }));
    g.rows.push(r);
  }
  if (groups.size === 1) {
    const only = [...groups.values()][0]!;
    return [{ partitionId: only.partitionId, shard: only.shard, batch }];
  }
  return [...groups.values()].map((g) => {
    const columns = new Map<string, Column>();
    for (const f of info.schema.fields) columns.set(f.name, takeRows(batch.columns.get(f.name)!, g.rows, f));
    return { partitionId: g.partitionId, shard: g.shard, batch: { count: g.rows.length, columns } };
  });
}

/** Groups primary keys by shard. */
export function routeKeys(info: CollectionInfo, pks: readonly (bigint | string)[]): Map<number, (bigint | string)[]> {
  const out = new Map<number, (bigint | string)[]>();
  for (const pk of pks) {
    const s = bucketOf(pk, info.shardsNum);
    const list = out.get(s);
    if (list) list.push(pk);
    else out.set(s, [pk]);
  }
  return out;
}
