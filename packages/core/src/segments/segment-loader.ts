/**
 * Reading sealed segments back from the object store: the insert log (Arrow IPC), the
 * delete logs and the index files a manifest record names. Shared by the SegmentManager
 * (the writer's view) and SealedReplica (a reader holding some of the segments).
 */
import { VesperError } from '../errors/index.ts';
import type { ObjectStore } from '../adapters/object-store.ts';
import type { CollectionSchema } from '../schema/types.ts';
import { primaryField } from '../schema/types.ts';
import { TS_FIELD, decodeBatch } from '../storage/batch-file.ts';
import type { SegmentRecord } from '../storage/manifest.ts';
import type { VectorIndexFactory } from '../index/vector-index.ts';
import { openScalarIndex, SCALAR_INDEX_TYPES } from '../expr/index.ts';
import { SealedSegment } from './sealed-segment.ts';
import { decodeDeltaLog } from './delta-log.ts';

export interface SegmentSource {
  readonly objects: ObjectStore;
  readonly schema: CollectionSchema;
  /** Vector index implementations by Milvus index type (none: searched exactly). */
  readonly indexFactory?: ((indexType: string) => VectorIndexFactory) | undefined;
}

export function isScalarIndexType(t: string): boolean {
  return (SCALAR_INDEX_TYPES as readonly string[]).includes(t);
}

/** Reads one sealed segment: insert log, then its delete logs and index files. */
export async function loadSealedSegment(src: SegmentSource, rec: SegmentRecord): Promise<SealedSegment> {
  const pk = primaryField(src.schema);
  const bytes = await src.objects.get(rec.insertLog);
  if (!bytes) throw new VesperError('IO_KEY_NOT_FOUND', `segment ${rec.id}: insert log ${rec.insertLog} is missing`);
  const file = decodeBatch(bytes, [TS_FIELD, ...src.schema.fields], 'insert');
  const ts = file.columns.get(TS_FIELD.name)!.data as BigInt64Array;
  file.columns.delete(TS_FIELD.name);
  const seg = new SealedSegment(rec, file.columns, pk.name, ts);
  await applyDeltaLogs(src, seg, rec.deltaLogs);
  await loadIndexes(src, seg, rec.indexes);
  return seg;
}

/** Applies delete logs to a loaded segment (idempotent: a delete already known changes nothing). */
export async function applyDeltaLogs(src: SegmentSource, seg: SealedSegment, deltaKeys: readonly string[]): Promise<void> {
  const pk = primaryField(src.schema);
  for (const key of deltaKeys) {
    const delta = await src.objects.get(key);
    if (!delta) throw new VesperError('IO_KEY_NOT_FOUND', `segment ${seg.id}: delete log ${key} is missing`);
    for (const d of decodeDeltaLog(pk, delta)) seg.applyDelete(d.pk, d.ts, false);
  }
}

/** Opens index files onto a segment. A missing file is not fatal: the field is searched exactly. */
export async function loadIndexes(src: SegmentSource, seg: SealedSegment, records: SegmentRecord['indexes']): Promise<void> {
  for (const idx of records) {
    const data = await src.objects.get(idx.key);
    if (!data) continue;
    if (isScalarIndexType(idx.indexType)) seg.scalarIndexes.set(idx.field, openScalarIndex(data));
    else {
      const factory = src.indexFactory?.(idx.indexType);
      if (factory) seg.indexes.set(idx.field, await factory.open(data));
    }
  }
}

/**
 * Brings a held segment up to a newer record of itself: new delete logs applied, new index
 * files opened; with `dropUnlisted` (a reader, which never builds indexes itself), indexes the
 * record no longer lists are disposed.
 */
export async function refreshSegment(src: SegmentSource, seg: SealedSegment, rec: SegmentRecord, dropUnlisted = false): Promise<void> {
  const knownDeltas = new Set(seg.record.deltaLogs);
  await applyDeltaLogs(src, seg, rec.deltaLogs.filter((k) => !knownDeltas.has(k)));
  await loadIndexes(src, seg, rec.indexes.filter((i) => !seg.indexes.has(i.field) && !seg.scalarIndexes.has(i.field)));
  seg.record = rec;
  if (!dropUnlisted) return;
  const listed = new Set(rec.indexes.map((i) => i.field));
  for (const [field, idx] of seg.indexes) {
    if (!listed.has(field)) {
      idx.dispose?.();
      seg.indexes.delete(field);
    }
  }
  for (const field of seg.scalarIndexes.keys()) if (!listed.has(field)) seg.scalarIndexes.delete(field);
}
