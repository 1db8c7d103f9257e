/**
 * Delete logs (Milvus's deltalogs): Arrow IPC files of (primary key, delete timestamp)
 * pairs for one sealed segment. Replaying them re-applies each delete with the usual MVCC
 * rule, so a segment reopens with exactly the rows it had hidden.
 */
import { DataType } from '../schema/data-type.ts';
import type { Column } from '../schema/columns.ts';
import type { FieldSchema } from '../schema/types.ts';
import { TS_FIELD, decodeBatch, encodeBatch } from '../storage/batch-file.ts';
import type { PendingDelete, PkValue } from './segment.ts';

function deltaFields(pk: FieldSchema): FieldSchema[] {
  return [{ ...pk, nullable: false, autoID: false }, TS_FIELD];
}

export function encodeDeltaLog(pk: FieldSchema, deletes: readonly PendingDelete[], segmentId: number): Uint8Array {
  const n = deletes.length;
  const pkCol: Column =
    pk.data_type === DataType.Int64
      ? { type: DataType.Int64, length: n, data: BigInt64Array.from(deletes, (d) => d.pk as bigint) }
      : { type: DataType.VarChar, length: n, data: deletes.map((d) => d.pk as string) };
  const tsCol: Column = { type: DataType.Int64, length: n, data: BigInt64Array.from(deletes, (d) => d.ts) };
  return encodeBatch('delete', deltaFields(pk), new Map([[pk.name, pkCol], [TS_FIELD.name, tsCol]]), n, {
    'vesper.segment': String(segmentId),
  });
}

export function decodeDeltaLog(pk: FieldSchema, bytes: Uint8Array): PendingDelete[] {
  const file = decodeBatch(bytes, deltaFields(pk), 'delete');
  const pks = file.columns.get(pk.name)!.data as ArrayLike<PkValue>;
  const ts = file.columns.get(TS_FIELD.name)!.data as BigInt64Array;
  return Array.from({ length: file.rowCount }, (_, i) => ({ pk: pks[i]!, ts: ts[i]! }));
}
