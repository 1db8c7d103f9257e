/**
 * Reading sealed segments back from the object store: the insert log (Arrow IPC), the
 * delete logs and the index files a manifest record names (vector, scalar and sparse). Shared by the SegmentManager
 * (the writer's view) and SealedReplica (a reader holding some of the segments).
 */
import { VesperError } from '../errors/index.ts';
import { primaryField } from '../schema/types.ts';
import { TS_FIELD, decodeBatch } from '../storage/batch-file.ts';
import { readInsertColumns, type InsertLogLayout } from '../storage/insert-log-reader.ts';
import type { FieldSchema } from '../schema/types.ts';
import type { Column } from '../schema/columns.ts';
import type { SegmentRecord } from '../storage/manifest.ts';
import type { VectorIndex, VectorIndexFactory } from '../index/vector-index.ts';
import { openScalarIndex, SCALAR_INDEX_TYPES } from '../expr/index.ts';
import { objectRange, type RangeSource } from '../util/block-file.ts';
import { SealedSegment } from './sealed-segment.ts';
import { WHOLE_HOLDING, type SealedHolding } from './holder-role.ts';
import { loadColumns, type ColumnSource } from './insert-log.ts';
import { SparseInvertedIndex, forgetColumnPostings } from '../index/sparse-inverted-index.ts';
import { DataType, isVectorType } from '../schema/data-type.ts';
import { decodeDeltaLog } from './delta-log.ts';

export interface SegmentSource extends ColumnSource {
  /** Vector index implementations by Milvus index type (none: searched exactly). */
  readonly indexFactory?: ((indexType: string) => VectorIndexFactory) | undefined;
  /** How loaded segments are held (holder-role.ts; default whole). */
  readonly holding?: SealedHolding | undefined;
}

export { loadColumns };

/** Drops the vector columns of a segment whose open index its holder lets answer alone (`SealedHolding.dropsVectorsOf`). */
export function releaseIndexedVectors(src: SegmentSource, seg: SealedSegment): void {
  const holding = src.holding ?? WHOLE_HOLDING;
  const drop = [...seg.indexes].filter(([, idx]) => holding.dropsVectorsOf(idx));
  if (drop.length > 0) seg.dropColumns(drop.map(([f]) => f), src.schema.fields);
}

/** Reads dropped columns back from the insert log for the named fields. */
export async function restoreColumns(src: SegmentSource, seg: SealedSegment, fields: readonly string[], layout?: InsertLogLayout): Promise<void> {
  const want = fields.filter((f) => seg.dropped.has(f));
  if (want.length > 0) seg.restoreColumns(await loadColumns(src, seg.record, want, layout));
}

export function isScalarIndexType(t: string): boolean {
  return (SCALAR_INDEX_TYPES as readonly string[]).includes(t);
}

/** Whether an index record is a sparse inverted index (by its field's type: AUTOINDEX names dense indexes too). */
function isSparseRecord(src: SegmentSource, idx: IndexRecords[number]): boolean {
  return src.schema.fields.some((f) => f.name === idx.field && f.data_type === DataType.SparseFloatVector);
}

/**
 * The vector fields with an index file in the record: a holder may never need their columns
 * (the index serves them, or the holding drops them), so a load reads them last, by range.
 */
function indexedVectorFields(src: SegmentSource, rec: SegmentRecord): FieldSchema[] {
  const listed = new Set(rec.indexes.filter((i) => !isScalarIndexType(i.indexType) && !isSparseRecord(src, i)).map((i) => i.field));
  return src.schema.fields.filter((f) => listed.has(f.name) && isVectorType(f.data_type));
}

/**
 * Reads one sealed segment: insert log, delete logs and index files, all requested at once
 * (object stores — OPFS, R2, files — serve concurrent reads faster than one after another),
 * then decoded and opened in the manifest's order. A segment with vector indexes reads its
 * insert log by range (column directory, storage/column-directory.ts): every column but the
 * indexed vectors first, then only those vector columns the holder keeps and the index cannot
 * serve — a reader whose index answers alone never reads its vectors. A holder of keys only
 * (hollow) reads the key and timestamp columns alone. Otherwise the insert log is read whole
 * (one request) and its columns are views of its bytes.
 */
export async function loadSealedSegment(src: SegmentSource, rec: SegmentRecord): Promise<SealedSegment> {
  const pk = primaryField(src.schema);
  const holding = src.holding ?? WHOLE_HOLDING;
  const rows = holding.holdsRows;
  const all = rows ? [TS_FIELD, ...src.schema.fields] : [TS_FIELD, pk];
  const later = rows ? indexedVectorFields(src, rec) : [];
  const [file, deltas, indexFiles] = await Promise.all([
    later.length > 0 || !rows ? readInsertColumns(src.objects, rec.insertLog, all.filter((f) => !later.includes(f)), all) : readWholeLog(src, rec, all),
    fetchDeltaLogs(src, rec.id, rec.deltaLogs),
    rows ? fetchIndexFiles(src, rec.indexes) : [],
  ]);
  const ts = file.columns.get(TS_FIELD.name)!.data as BigInt64Array;
  file.columns.delete(TS_FIELD.name);
  // a hollow segment copies its keys, so the insert log's bytes are not kept alive
  const seg = holding.hold(new SealedSegment(rec, file.columns, pk.name, ts), pk);
  seg.leaveInStore(later.map((f) => f.name));
  for (const delta of deltas) for (const d of decodeDeltaLog(pk, delta)) seg.applyDelete(d.pk, d.ts, false);
  if (seg.opensIndexFiles) await openIndexes(src, seg, rec.indexes, indexFiles);
  const need: string[] = [];
  for (const f of later) {
    if (!seg.dropped.has(f.name)) continue; // read whole (a file without a directory)
    const idx = seg.indexes.get(f.name);
    if (seg.canServe(f)) seg.serveFromIndex(f);
    else if (idx === undefined || !holding.dropsVectorsOf(idx)) need.push(f.name);
  }
  // the directory phase one read: phase two reads no more of the file than the blocks it wants
  await restoreColumns(src, seg, need, file.layout);
  seg.serveVectorsFromIndexes(src.schema.fields);
  releaseIndexedVectors(src, seg);
  return seg;
}

/** The whole insert log, decoded (its columns are views of its bytes). */
async function readWholeLog(src: SegmentSource, rec: SegmentRecord, fields: readonly FieldSchema[]): Promise<{ columns: Map<string, Column>; layout?: InsertLogLayout }> {
  const bytes = await src.objects.get(rec.insertLog);
  if (!bytes) throw new VesperError('IO_KEY_NOT_FOUND', `segment ${rec.id}: insert log ${rec.insertLog} is missing`);
  return decodeBatch(bytes, fields, 'insert');
}

/** How many segments `loadSealedSegments` reads at once (bounded: each holds its files in memory until opened). */
export const SEGMENT_LOAD_CONCURRENCY = 3;

/** Loads several sealed segments, a few at a time; the result is in the order of `recs`. */
export async function loadSealedSegments(src: SegmentSource, recs: readonly SegmentRecord[], concurrency = SEGMENT_LOAD_CONCURRENCY): Promise<SealedSegment[]> {
  const out = new Array<SealedSegment>(recs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < recs.length) {
      const i = next++;
      out[i] = await loadSealedSegment(src, recs[i]!);
    }
  };
  const running = Array.from({ length: Math.min(concurrency, recs.length) }, worker);
  const settled = await Promise.allSettled(running);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // release what did load (WASM memory) before reporting the first failure
    for (const seg of out) if (seg) for (const idx of seg.indexes.values()) idx.dispose?.();
    throw failed.reason;
  }
  return out;
}

async function fetchDeltaLogs(src: SegmentSource, segmentId: number, deltaKeys: readonly string[]): Promise<Uint8Array[]> {
  return Promise.all(
    deltaKeys.map(async (key) => {
      const delta = await src.objects.get(key);
      if (!delta) throw new VesperError('IO_KEY_NOT_FOUND', `segment ${segmentId}: delete log ${key} is missing`);
      return delta;
    }),
  );
}

/** Applies delete logs to a loaded segment (idempotent: a delete already known changes nothing). */
export async function applyDeltaLogs(src: SegmentSource, seg: SealedSegment, deltaKeys: readonly string[]): Promise<void> {
  const pk = primaryField(src.schema);
  for (const delta of await fetchDeltaLogs(src, seg.id, deltaKeys)) {
    for (const d of decodeDeltaLog(pk, delta)) seg.applyDelete(d.pk, d.ts, false);
  }
}

type IndexRecords = SegmentRecord['indexes'];

/**
 * How a vector index file opens by range, if it does: a disk-resident type reads its hot parts
 * only (IVF_PQ, `openRange`), a fully resident one reads the file in pieces straight into its
 * own memory (HNSW, `openFrom`) — never the whole file as one buffer beside the index.
 */
function rangeOpener(src: SegmentSource, idx: IndexRecords[number]): ((source: RangeSource) => Promise<VectorIndex>) | undefined {
  if (isScalarIndexType(idx.indexType) || isSparseRecord(src, idx)) return undefined;
  const f = src.indexFactory?.(idx.indexType);
  if (f?.openRange !== undefined) return (source) => f.openRange!(source);
  if (f?.openFrom !== undefined) return (source) => f.openFrom!(source);
  return undefined;
}

/** Whole index files, except those opened by range (read at open, in parts or pieces). */
function fetchIndexFiles(src: SegmentSource, records: IndexRecords): Promise<(Uint8Array | undefined)[]> {
  return Promise.all(records.map((idx) => (rangeOpener(src, idx) ? undefined : src.objects.get(idx.key))));
}

/**
 * An index file the manifest names is gone: acknowledged state is damaged (files are written
 * before the manifest that names them), so the segment does not open — never a quiet exact
 * search, as Milvus fails a segment load whose index files are missing.
 */
function missingIndexFile(seg: SealedSegment, idx: IndexRecords[number], cause?: unknown): VesperError {
  return new VesperError(
    'IO_KEY_NOT_FOUND',
    `segment ${seg.id}: index file ${idx.key} (${idx.indexType} on field '${idx.field}') named by the manifest is missing (evicted or deleted); ` +
      'drop and recreate the index to rebuild it',
    { segment: seg.id, key: idx.key, field: idx.field },
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Opens fetched index files (files[i] is records[i]'s, undefined when missing) onto a segment.
 * @throws IO_KEY_NOT_FOUND when a file the record names is missing.
 */
async function openIndexes(src: SegmentSource, seg: SealedSegment, records: IndexRecords, files: readonly (Uint8Array | undefined)[]): Promise<void> {
  const opened: string[] = [];
  try {
    await openEach(src, seg, records, files, opened);
  } catch (e) {
    // the segment does not open: release the WASM memory of what this call did open
    for (const f of opened) {
      seg.indexes.get(f)?.dispose?.();
      seg.indexes.delete(f);
    }
    throw e;
  }
}

async function openEach(src: SegmentSource, seg: SealedSegment, records: IndexRecords, files: readonly (Uint8Array | undefined)[], opened: string[]): Promise<void> {
  for (let i = 0; i < records.length; i++) {
    const idx = records[i]!;
    const ranged = rangeOpener(src, idx);
    if (ranged) {
      try {
        seg.indexes.set(idx.field, await ranged(objectRange(src.objects, idx.key)));
        opened.push(idx.field);
      } catch (e) {
        throw e instanceof VesperError && e.error === 'IO_KEY_NOT_FOUND' ? missingIndexFile(seg, idx, e) : e;
      }
      continue;
    }
    const data = files[i];
    if (!data) throw missingIndexFile(seg, idx);
    if (isScalarIndexType(idx.indexType)) seg.scalarIndexes.set(idx.field, openScalarIndex(data));
    else if (isSparseRecord(src, idx)) {
      const index = SparseInvertedIndex.open(data);
      if (index.rowCount !== seg.rowCount) throw new VesperError('FORMAT_CORRUPT', `segment ${seg.id}: sparse index file ${idx.key} holds ${index.rowCount} rows, the segment ${seg.rowCount}`);
      seg.sparseIndexes.set(idx.field, index);
      // postings a search built from the column before the file was listed are no longer needed
      const col = seg.column(idx.field);
      if (col?.type === DataType.SparseFloatVector) forgetColumnPostings(col);
    } else {
      const factory = src.indexFactory?.(idx.indexType);
      if (factory) {
        seg.indexes.set(idx.field, await factory.open(data));
        opened.push(idx.field);
      }
    }
  }
}

/**
 * Opens index files onto a segment.
 * @throws IO_KEY_NOT_FOUND when a file the records name is missing (see `missingIndexFile`).
 */
export async function loadIndexes(src: SegmentSource, seg: SealedSegment, records: IndexRecords): Promise<void> {
  await openIndexes(src, seg, records, await fetchIndexFiles(src, records));
}

/**
 * Brings a held segment up to a newer record of itself: new delete logs applied, new index
 * files opened; with `dropUnlisted` (a reader, which never builds indexes itself), indexes the
 * record no longer lists are disposed.
 */
export async function refreshSegment(src: SegmentSource, seg: SealedSegment, rec: SegmentRecord, dropUnlisted = false): Promise<void> {
  const knownDeltas = new Set(seg.record.deltaLogs);
  await applyDeltaLogs(src, seg, rec.deltaLogs.filter((k) => !knownDeltas.has(k)));
  if (!seg.opensIndexFiles) {
    seg.record = rec;
    return;
  }
  await loadIndexes(src, seg, rec.indexes.filter((i) => !seg.indexes.has(i.field) && !seg.scalarIndexes.has(i.field) && !seg.sparseIndexes.has(i.field)));
  seg.record = rec;
  seg.serveVectorsFromIndexes(src.schema.fields);
  if (!dropUnlisted) return;
  const listed = new Set(rec.indexes.map((i) => i.field));
  for (const field of [...seg.indexes.keys()]) if (!listed.has(field)) seg.detachIndex(field);
  for (const field of seg.scalarIndexes.keys()) if (!listed.has(field)) seg.scalarIndexes.delete(field);
  for (const field of seg.sparseIndexes.keys()) if (!listed.has(field)) seg.sparseIndexes.delete(field);
  // a column dropped for an index that is gone is searched exactly again: read it back
  await restoreColumns(src, seg, [...seg.dropped].filter((f) => !seg.indexes.has(f)));
  releaseIndexedVectors(src, seg);
}
