/**
 * Maintenance of a collection's segments (DataCoord/DataNode background work in Milvus):
 * flush (seal growing segments, write insert and delete logs, commit the manifest with the
 * WAL checkpoint, truncate the WAL), index builds off the write path, compaction (merge
 * small segments, purge deleted rows) and garbage collection of unreferenced files.
 * Each step writes its files first and commits a manifest after; a failure before the
 * commit leaves memory and the manifest unchanged (the orphaned files are GC'd later).
 */
import { DataType, isVectorType } from '../schema/data-type.ts';
import { concatColumns } from '../schema/column-ops.ts';
import type { Column } from '../schema/columns.ts';
import { primaryField, type FieldSchema, type MetricType } from '../schema/types.ts';
import type { IndexInfo } from '../catalog/types.ts';
import type { SparseVectorColumn, VectorColumn } from '../schema/columns.ts';
import { columnPostings } from '../index/sparse-inverted-index.ts';
import { buildScalarIndex, type ScalarIndexType } from '../expr/index.ts';
import { TS_FIELD, encodeBatch } from '../storage/batch-file.ts';
import { keys } from '../storage/keys.ts';
import { parseManifest, READER_SPARSE_INDEX_FILES, type SegmentRecord } from '../storage/manifest.ts';
import { encodeDeltaLog } from './delta-log.ts';
import { SealedSegment, type BuiltIndex } from './sealed-segment.ts';
import { releaseIndexedVectors } from './segment-loader.ts';
import { estimatedRowBytes } from './row-bytes.ts';
import { expiredRows, expiryFloor, ttlMsOf } from './expiry.ts';
import { composeTs } from '../catalog/tso.ts';
import type { SegmentManager, ShardState } from './segment-manager.ts';
import type { Segment } from './segment.ts';

/** Installs the flush hook the write path uses for size/age-triggered seals. */
export function attachMaintenance(m: SegmentManager): void {
  m.flushHook = (shards) => flush(m, shards);
}

function insertLogBytes(m: SegmentManager, seg: Segment, cols: ReadonlyMap<string, Column>): Uint8Array {
  const all = new Map(cols);
  all.set(TS_FIELD.name, { type: DataType.Int64, length: seg.rowCount, data: seg.timestamps() });
  return encodeBatch('insert', [TS_FIELD, ...m.info.schema.fields], all, seg.rowCount, {
    'vesper.segment': String(seg.id),
    'vesper.collection': String(m.info.id),
  });
}

async function putTracked(m: SegmentManager, key: string, bytes: Uint8Array): Promise<void> {
  m.inflightKeys.add(key);
  await m.deps.storage.objects.put(key, bytes);
}

/** Seals and persists the given shards (all when omitted). Manual `flush` and the seal policy call this. */
export function flush(m: SegmentManager, shards?: readonly number[]): Promise<void> {
  const list = (shards ?? m.shards.map((s) => s.index)).filter((i) => m.owned.has(i));
  return Promise.all(list.map((i) => m.runLocked([`shard:${i}`], () => flushShard(m, m.shards[i]!)))).then(() => undefined);
}

async function flushShard(m: SegmentManager, s: ShardState): Promise<void> {
  m.assertOpen();
  const growing = [...s.growing.values()].filter((g) => g.rowCount > 0);
  const touched = m.sealed.filter((x) => x.shard === s.index && x.pendingDeletes.length > 0);
  if (growing.length === 0 && touched.length === 0 && (m.manifest.checkpoints[s.index] ?? 0) === s.lastLsn) return;
  const pk = primaryField(m.info.schema);
  const written: string[] = [];
  try {
    let seq = m.manifest.nextSeq;
    const newRecords: SegmentRecord[] = [];
    const sealedCols = new Map<number, ReadonlyMap<string, Column>>();
    for (const g of growing) {
      const cols = g.columns();
      const key = keys.insertLog(m.info.id, g.id);
      await putTracked(m, key, insertLogBytes(m, g, cols));
      written.push(key);
      const deltaLogs: string[] = [];
      if (g.pendingDeletes.length > 0) {
        const dkey = keys.deltaLog(m.info.id, g.id, seq++);
        await putTracked(m, dkey, encodeDeltaLog(pk, g.pendingDeletes, g.id));
        written.push(dkey);
        deltaLogs.push(dkey);
      }
      sealedCols.set(g.id, cols);
      newRecords.push({
        id: g.id,
        partitionId: g.partitionId,
        shard: s.index,
        rows: g.rowCount,
        insertLog: key,
        deltaLogs,
        indexes: [],
        minTs: g.minRowTs.toString(),
        maxTs: g.maxRowTs.toString(),
        level: 0,
      });
    }
    const deltaFor = new Map<number, string>();
    for (const seg of touched) {
      const dkey = keys.deltaLog(m.info.id, seg.id, seq++);
      await putTracked(m, dkey, encodeDeltaLog(pk, seg.pendingDeletes, seg.id));
      written.push(dkey);
      deltaFor.set(seg.id, dkey);
    }
    const checkpoint = s.lastLsn;
    await m.commit((cur) => ({
      ...cur,
      segments: [
        ...cur.segments.map((r) => (deltaFor.has(r.id) ? { ...r, deltaLogs: [...r.deltaLogs, deltaFor.get(r.id)!] } : r)),
        ...newRecords,
      ],
      checkpoints: { ...cur.checkpoints, [s.index]: checkpoint },
      // Another writer may have advanced the sequence since we read it (delete-log keys also
      // carry the segment id, so our keys never collide with theirs).
      nextSeq: Math.max(cur.nextSeq, seq),
    }));
    for (const seg of touched) seg.pendingDeletes = [];
    const fresh: SealedSegment[] = [];
    for (const rec of newRecords) {
      const g = s.growing.get(rec.partitionId)!;
      const sealed = m.role.holding.hold(SealedSegment.fromGrowing(rec, sealedCols.get(rec.id)!, pk.name, g), pk);
      sealed.pendingDeletes = [];
      // a field added while the file was written (addCollectionField) reads as absent here too
      sealed.fillAddedFields(m.info.schema.fields);
      s.growing.delete(rec.partitionId);
      m.addSealed(sealed);
      fresh.push(sealed);
    }
    // The commit made these files reachable; truncation failure only means a longer replay.
    await m.deps.storage.wal.truncate(s.channel, checkpoint).catch(() => undefined);
    scheduleIndexBuilds(m, fresh);
  } finally {
    for (const k of written) m.inflightKeys.delete(k);
  }
}

/** Starts background builds of every missing index (vector, scalar or sparse) on the given sealed segments. */
export function scheduleIndexBuilds(m: SegmentManager, segments: readonly SealedSegment[]): void {
  for (const idx of m.info.indexes) {
    const field = m.info.schema.fields.find((x) => x.name === idx.fieldName);
    if (!field) continue;
    const kind: BuildKind = field.data_type === DataType.SparseFloatVector ? 'sparse' : isVectorType(field.data_type) ? 'vector' : 'scalar';
    if (kind === 'vector' && !m.deps.indexFactory) continue;
    for (const seg of segments) {
      if (seg.hasIndex(idx.fieldName) || seg.record.indexes.some((r) => r.indexId === idx.indexId)) continue;
      const scheduledAt = m.clock();
      m.track(m.runLocked([seg.indexBuildLock(idx.fieldName)], () => buildOne(m, seg, idx, kind, scheduledAt)));
    }
  }
}

/** What builds an index: the scalar index builder, the sparse inverted index, or the vector index factory. */
type BuildKind = 'scalar' | 'sparse' | 'vector';

/** Longest single sleep while waiting for writes to go quiet (the clock is re-read after each). */
const QUIET_POLL_MS = 100;

/**
 * Resolves once no write has arrived for the manager's `buildsYieldToWrites.quietMs`, or its
 * `maxWaitMs` have passed since `since` (or the manager closed); at once when unset.
 */
async function writesQuiet(m: SegmentManager, since: number): Promise<void> {
  const y = m.deps.buildsYieldToWrites;
  if (!y) return;
  for (;;) {
    const now = m.clock();
    const wait = Math.min(m.lastWriteAt + y.quietMs - now, since + y.maxWaitMs - now);
    if (wait <= 0 || m.abort.signal.aborted) return;
    await new Promise((r) => setTimeout(r, Math.min(wait, QUIET_POLL_MS)));
  }
}

async function buildOne(m: SegmentManager, seg: SealedSegment, idx: IndexInfo, kind: BuildKind, scheduledAt: number): Promise<void> {
  await writesQuiet(m, scheduledAt);
  if (seg.hasIndex(idx.fieldName) || !m.sealed.includes(seg) || !m.info.indexes.some((i) => i.indexId === idx.indexId)) return;
  // a hollow segment reads its column from the object store
  const col = await seg.readColumn(m.source, idx.fieldName);
  if (!col) return;
  let built: BuiltIndex;
  if (kind === 'scalar') built = { kind, index: buildScalarIndex(idx.indexType as ScalarIndexType, col) };
  // the postings a search already built from this column, else built now (the same arrays the file holds)
  else if (kind === 'sparse') built = { kind, index: columnPostings(col as SparseVectorColumn) };
  else {
    const factory = m.deps.indexFactory!(idx.indexType);
    built = { kind, index: await factory.build(col as VectorColumn, (idx.metricType ?? 'COSINE') as MetricType, idx.params, { signal: m.abort.signal, pause: () => writesQuiet(m, scheduledAt) }) };
  }
  const bytes = built.index.serialize();
  // the segment keeps it (a hollow one only records the file: readers open it)
  const attach = (): void => seg.keepBuiltIndex(idx.fieldName, built, m.info.schema.fields);
  const key = keys.indexFile(m.info.id, seg.id, idx.fieldName, idx.indexId);
  try {
    await putTracked(m, key, bytes);
    let present = false;
    await m.commit((cur) => {
      present = false;
      return {
        ...cur,
        segments: cur.segments.map((r) => {
          if (r.id !== seg.id) return r;
          present = true;
          const record = { field: idx.fieldName, indexName: idx.indexName, indexId: idx.indexId, indexType: idx.indexType, key, bytes: bytes.length, ...(idx.metricType ? { metricType: idx.metricType } : {}) };
          return { ...r, indexes: [...r.indexes.filter((x) => x.field !== idx.fieldName), record] };
        }),
        // readers from before sparse index files would fail on this record: they refuse the manifest instead
        ...(kind === 'sparse' ? { readerFlags: ((cur.readerFlags ?? 0) | READER_SPARSE_INDEX_FILES) >>> 0 } : {}),
      };
    });
    if (present && m.info.indexes.some((i) => i.indexId === idx.indexId)) {
      attach();
      seg.record = m.manifest.segments.find((r) => r.id === seg.id) ?? seg.record;
      // a holder that keeps indexed vectors on disk lets the column go now (no second copy beside the index)
      if (kind === 'vector') releaseIndexedVectors(m.source, seg);
    }
  } finally {
    m.inflightKeys.delete(key);
  }
}

/** Forgets an index on every segment (files are removed by GC). */
export async function dropIndexFiles(m: SegmentManager, fieldName: string): Promise<void> {
  await m.commit((cur) => ({ ...cur, segments: cur.segments.map((r) => ({ ...r, indexes: r.indexes.filter((x) => x.field !== fieldName) })) }));
  for (const seg of m.sealed) {
    seg.detachIndex(fieldName);
    seg.scalarIndexes.delete(fieldName);
    seg.sparseIndexes.delete(fieldName);
    seg.record = m.manifest.segments.find((r) => r.id === seg.id) ?? seg.record;
  }
}

export interface CompactionResult {
  readonly merged: number;
  readonly produced: number;
  readonly purgedRows: number;
}

/**
 * Merges small sealed segments of each (shard, partition) and rewrites segments with many
 * deleted rows, dropping every deleted row. Runs under the shard's lock, so no write
 * interleaves with it.
 */
export async function compact(m: SegmentManager): Promise<CompactionResult> {
  const total = { merged: 0, produced: 0, purgedRows: 0 };
  for (const s of m.ownedShardStates()) {
    const r = await m.runLocked([`shard:${s.index}`], () => compactShard(m, s.index));
    total.merged += r.merged;
    total.produced += r.produced;
    total.purgedRows += r.purgedRows;
    // a read pinned before now could need the purged rows (snapshot-floor.ts)
    if (r.purgedRows > 0) m.snapshotFloor.raise(m.deps.tso.current());
  }
  return total;
}

async function compactShard(m: SegmentManager, shard: number): Promise<CompactionResult> {
  m.assertOpen();
  const p = m.policy;
  const result = { merged: 0, produced: 0, purgedRows: 0 };
  const byPartition = new Map<number, SealedSegment[]>();
  const existing = new Set(m.info.partitions.map((x) => x.id));
  // rows past the collection's TTL at this moment are purged like deleted ones
  const ttlMs = ttlMsOf(m.info.properties);
  const floor = ttlMs === undefined ? 0n : expiryFloor(composeTs(m.clock()), ttlMs);
  for (const seg of m.sealed) {
    if (seg.shard !== shard) continue;
    if (!existing.has(seg.partitionId)) {
      // the partition was dropped: the segment goes, with all its rows
      byPartition.set(-seg.partitionId - 1, [...(byPartition.get(-seg.partitionId - 1) ?? []), seg]);
      continue;
    }
    const small = seg.liveCount < p.compactBelowRows;
    const dirty = seg.rowCount > 0 && seg.deletedCount / seg.rowCount > p.compactDeletedRatio;
    if (small || dirty || expiredRows(seg, floor) > 0) byPartition.set(seg.partitionId, [...(byPartition.get(seg.partitionId) ?? []), seg]);
  }
  const pk = primaryField(m.info.schema);
  for (const [partitionId, candidates] of byPartition) {
    const droppedPartition = partitionId < 0;
    for (const group of droppedPartition ? [candidates] : compactionGroups(m, candidates)) {
      const worthIt = droppedPartition || group.length >= 2 || group.some((g) => g.deletedCount > 0 || expiredRows(g, floor) > 0);
      if (worthIt) await compactGroup(m, shard, partitionId, group, droppedPartition, pk, result, floor);
    }
  }
  return result;
}

/**
 * Splits one partition's compaction candidates into groups whose merged live rows fit one
 * segment of the seal policy (rows and estimated bytes), in the order they were sealed — so a
 * compaction never produces a segment larger than a seal would, and a hollow writer never
 * holds more than one segment's columns.
 */
function compactionGroups(m: SegmentManager, candidates: readonly SealedSegment[]): SealedSegment[][] {
  const rowBytes = estimatedRowBytes(m.info.schema);
  const maxRows = Math.max(1, Math.min(m.policy.maxRows, Math.floor(m.policy.maxBytes / rowBytes)));
  const groups: SealedSegment[][] = [];
  let cur: SealedSegment[] = [];
  let rows = 0;
  for (const seg of candidates) {
    if (cur.length > 0 && rows + seg.liveCount > maxRows) {
      groups.push(cur);
      cur = [];
      rows = 0;
    }
    cur.push(seg);
    rows += seg.liveCount;
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}

/** Rewrites one group of segments of a (shard, partition) as one segment of their live rows. */
async function compactGroup(
  m: SegmentManager,
  shard: number,
  partitionId: number,
  group: readonly SealedSegment[],
  droppedPartition: boolean,
  pk: FieldSchema,
  result: { merged: number; produced: number; purgedRows: number },
  floor: bigint,
): Promise<void> {
  const live = group.map((g) => (droppedPartition ? [] : g.liveRows().filter((r) => g.rowTimestamp(r) >= floor)));
  const rows = live.reduce((a, l) => a + l.length, 0);
  const written: string[] = [];
  try {
    let fresh: SealedSegment | undefined;
    let record: SegmentRecord | undefined;
    if (rows > 0) {
      const id = await m.deps.ids.alloc();
      const fields = m.info.schema.fields;
      // each source's live rows, one source at a time (a hollow one is read from its insert log)
      const parts = new Map<string, Column[]>(fields.map((f) => [f.name, []]));
      for (let i = 0; i < group.length; i++) {
        const g = group[i]!;
        if (live[i]!.length === 0) continue;
        const cols = await g.readRows(m.source, fields, live[i]!);
        fields.forEach((f, j) => parts.get(f.name)!.push(cols[j]!));
      }
      const cols = new Map<string, Column>();
      for (const f of fields) cols.set(f.name, concatColumns(parts.get(f.name)!, f));
      parts.clear();
      const ts = new BigInt64Array(rows);
      let o = 0;
      group.forEach((g, i) => {
        for (const r of live[i]!) ts[o++] = g.rowTimestamp(r);
      });
      record = {
        id,
        partitionId,
        shard,
        rows,
        insertLog: keys.insertLog(m.info.id, id),
        deltaLogs: [],
        indexes: [],
        minTs: ts.reduce((a, b) => (b < a ? b : a)).toString(),
        maxTs: ts.reduce((a, b) => (b > a ? b : a)).toString(),
        level: Math.max(...group.map((g) => g.record.level)) + 1,
      };
      fresh = new SealedSegment(record, cols, pk.name, ts);
      await putTracked(m, record.insertLog, insertLogBytes(m, fresh, cols));
      written.push(record.insertLog);
      fresh = m.role.holding.hold(fresh, pk);
    }
    const gone = new Set(group.map((g) => g.id));
    await m.commit((cur) => ({ ...cur, segments: [...cur.segments.filter((r) => !gone.has(r.id)), ...(record ? [record] : [])] }));
    fresh?.fillAddedFields(m.info.schema.fields);
    m.replaceSealed(gone, fresh);
    for (const g of group) for (const idx of g.indexes.values()) idx.dispose?.();
    result.merged += group.length;
    result.produced += fresh ? 1 : 0;
    result.purgedRows += group.reduce((a, g) => a + g.rowCount, 0) - rows;
    if (fresh) scheduleIndexBuilds(m, [fresh]);
  } finally {
    for (const k of written) m.inflightKeys.delete(k);
  }
}

/**
 * Deletes files no kept manifest references (orphans of failed flushes, compacted segments,
 * dropped indexes), keeping the newest `keepManifests` manifests and what they reference.
 * Runs with every shard lock and then the commit lock held, so no flush or commit is mid-way. A reader
 * in another process still on an older manifest must reload the newest one when a file is
 * gone (the edge runtime does; in-process readers always use the newest). Only this manager's
 * in-flight files and the files its own reads in flight hold (`readHolds`) are spared; a held file
 * stays an orphan until a later collection. With several writers on one collection (`ownedShards`), pass a
 * `graceMs` longer than any writer takes from writing a file to committing it — then only
 * files the store dates at least that old are deleted (files it cannot date are kept).
 */
export async function collectGarbage(m: SegmentManager, keepManifests = 1, graceMs = 0): Promise<number> {
  // Lock order is always shards, then commit (flush and compaction commit while holding
  // their shard): taking both at once here could deadlock against a flush mid-commit.
  const shardKeys = m.shards.map((s) => `shard:${s.index}`);
  return m.runLocked(shardKeys, () => m.runLocked(['commit'], async () => {
    const { objects } = m.deps.storage;
    const manifestKeys = await m.manifests.versions(m.info.id);
    const keep = new Set<string>(manifestKeys.slice(0, keepManifests));
    for (const key of manifestKeys.slice(0, keepManifests)) {
      const bytes = await objects.get(key);
      if (!bytes) continue;
      // the format check every manifest reader goes through: never guess what a newer one keeps
      const man = parseManifest(bytes, key);
      for (const r of man.segments) {
        keep.add(r.insertLog);
        for (const d of r.deltaLogs) keep.add(d);
        for (const i of r.indexes) keep.add(i.key);
      }
    }
    const now = Date.now();
    const old = (o: { uploaded?: number }) => graceMs <= 0 || (o.uploaded !== undefined && now - o.uploaded >= graceMs);
    const victims = (await objects.list(`c${m.info.id}/`)).filter(old).map((o) => o.key).filter((k) => !keep.has(k) && !m.inflightKeys.has(k) && !m.readHolds.has(k));
    if (victims.length > 0) await objects.delete(victims);
    return victims.length;
  }));
}

