/**
 * Holder roles: who holds a collection's segments, and how much of them (Milvus splits the same
 * duties over DataNode, the shard delegator, QueryNode workers and the proxy's meta cache). A
 * role is chosen once, where a SegmentManager or a SealedReplica is opened; the code below asks
 * it what to do instead of testing mode flags.
 *
 * - `writer`: owns shards (all by default) and holds their sealed segments — rows, columns and
 *   open indexes, with indexed vector columns left in the object store (LEAN_HOLDING; in-process
 *   engine, the browser's engine worker).
 * - `hollowLeader`: owns one shard and holds its sealed segments hollow — primary keys, row and
 *   delete timestamps only (HollowSealedSegment) — while reader replicas serve their rows (an
 *   edge ShardLeader DO: ~24 bytes a sealed row instead of the row).
 * - `readerReplica`: holds what a writer assigns it (SealedReplica), whole, leaving the vector
 *   columns of range-read indexes in the object store; a `lean` one (an edge QueryNode) leaves
 *   every indexed vector column there. Never writes.
 * - `catalogView`: owns no shard and holds no sealed segment, only the manifest (the edge's
 *   CatalogCoordinator runs DDL this way while the data lives in ShardLeader DOs).
 */
import type { VectorIndex } from '../index/vector-index.ts';
import type { FieldSchema } from '../schema/types.ts';
import type { SegmentRecord } from '../storage/manifest.ts';
import type { SealedSegment } from './sealed-segment.ts';
import { HollowSealedSegment } from './hollow-sealed-segment.ts';

export type HolderKind = 'writer' | 'hollowLeader' | 'readerReplica' | 'catalogView';

/** How a holder keeps the sealed segments it loads (segment-loader.ts). */
export interface SealedHolding {
  /** Whether rows are held (columns, open indexes), or only the keys (a HollowSealedSegment). */
  readonly holdsRows: boolean;
  /** A segment just sealed, compacted or loaded, as this holder keeps it (`pk`: the primary field). */
  hold(seg: SealedSegment, pk: FieldSchema): SealedSegment;
  /** Whether the vector column of a field with this open index is left in the object store (read back for outputs). */
  dropsVectorsOf(index: VectorIndex): boolean;
}

/** Whole segments: every column and index in memory. */
export const WHOLE_HOLDING: SealedHolding = { holdsRows: true, hold: (seg) => seg, dropsVectorsOf: () => false };
/** Keys, timestamps and deletes only: the keys are copied, so the segment's columns (the insert log's bytes) can be freed. */
export const HOLLOW_HOLDING: SealedHolding = { holdsRows: false, hold: (seg, pk) => HollowSealedSegment.of(seg.record, seg, pk), dropsVectorsOf: () => false };
/** A reader that reads dropped columns back when an answer outputs them: range-read indexes (IVF_PQ) keep the vectors searches need. */
export const REPLICA_HOLDING: SealedHolding = { holdsRows: true, hold: (seg) => seg, dropsVectorsOf: (index) => index.prepareSearch !== undefined };
/**
 * Indexed vectors on disk: searches use the index, which holds its own copy of the vectors (or
 * serves the column from it); outputs read the returned rows back by range. The writer holds
 * segments this way (one copy of each vector in memory, not two), and so does a reader short
 * of memory (an edge QueryNode).
 */
export const LEAN_HOLDING: SealedHolding = { holdsRows: true, hold: (seg) => seg, dropsVectorsOf: () => true };

/** The role of a SegmentManager: which shards it writes, which sealed segments it holds and how. */
export interface ManagerRole {
  readonly kind: Exclude<HolderKind, 'readerReplica'>;
  readonly holding: SealedHolding;
  /** The shards written, of a collection with `shardsNum` shards. */
  ownedShards(shardsNum: number): readonly number[];
  /** Whether the manifest's sealed segment `rec` is held in memory (`owned`: the shards written). */
  keeps(rec: SegmentRecord, owned: ReadonlySet<number>): boolean;
  /**
   * Whether a manual compaction here also collects garbage. A catalog view does not: the files
   * other writers wrote but have not committed yet are invisible to it, and GC would delete them.
   */
  readonly collectsGarbage: boolean;
}

const allShards = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * A writer holding whole segments: of the given shards (all when undefined), and the sealed
 * segments `keep` names (default: those of its shards).
 */
export function writerRole(shards?: readonly number[], keep?: (rec: SegmentRecord) => boolean): ManagerRole {
  return {
    kind: 'writer',
    holding: LEAN_HOLDING,
    ownedShards: (n) => shards ?? allShards(n),
    keeps: (rec, owned) => (keep ? keep(rec) : owned.has(rec.shard)),
    collectsGarbage: true,
  };
}

/** The writer of one shard holding its sealed segments hollow (see the header). */
export function hollowLeaderRole(shard: number): ManagerRole {
  return {
    kind: 'hollowLeader',
    holding: HOLLOW_HOLDING,
    ownedShards: () => [shard],
    keeps: (rec) => rec.shard === shard,
    collectsGarbage: true,
  };
}

/** No shard, no sealed segment: the manifest only (see the header). */
export function catalogViewRole(): ManagerRole {
  return { kind: 'catalogView', holding: WHOLE_HOLDING, ownedShards: () => [], keeps: () => false, collectsGarbage: false };
}
