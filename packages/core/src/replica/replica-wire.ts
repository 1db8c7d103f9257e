/**
 * What a local replica and the server's replica endpoints exchange (docs/guide-edge.md,
 * "Replica endpoints"): per shard, the sealed segments a leader holds at one timestamp (the
 * manifest records with their files, and the deletes not yet in a delete log) and the growing
 * tail (the shard's WAL entries after the manifest checkpoint, with their server timestamps).
 * A (records, tail) pair is read under the shard's write lock, so it is one state the server
 * had. The body travels as JSON with bigints and bytes tagged (`toWire` / `fromWire`).
 */
import { VesperError } from '../errors/index.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import type { SegmentRecord } from '../storage/manifest.ts';
import type { PendingDelete } from '../segments/segment.ts';

/** Where the endpoints live on the server. */
export const REPLICA_API_PREFIX = '/v2/vesper/replica/';

/** One file a replica copies: its object key (relative to the database), bytes and ETag. */
export interface ReplicaFile {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

/** Where a replica's copy of one shard stands, sent with a feed request. */
export interface ShardPosition {
  readonly shard: number;
  /** The manifest checkpoint (WAL LSN) its sealed state reflects. */
  readonly checkpoint: number;
  /** The last WAL LSN of the tail it holds. */
  readonly afterLsn: number;
}

/** One WAL entry of the growing tail (the record bytes, docs/format/wal.md). */
export interface TailEntry {
  readonly lsn: number;
  readonly payload: Uint8Array;
}

/** One shard's state at `ts`, as its leader holds it. */
export interface ShardFeed {
  readonly shard: number;
  /** Every write to the shard with timestamp <= ts is in this state; none after it is missing from the next. */
  readonly ts: bigint;
  readonly manifestVersion: number;
  readonly readerFlags: number;
  readonly checkpoint: number;
  readonly lastLsn: number;
  /** True when `tail` starts at the checkpoint (the replica drops the tail it holds). */
  readonly reset: boolean;
  readonly records: readonly SegmentRecord[];
  /** Per segment id, deletes not yet in one of its delete logs. */
  readonly pending: readonly (readonly [number, readonly PendingDelete[]])[];
  readonly tail: readonly TailEntry[];
  /** The files `records` name (filled in by the endpoint; empty from the leader). */
  readonly files: readonly ReplicaFile[];
}

/** The answer of `describe` (no tails) and `feed`. */
export interface ReplicaFeed {
  readonly db: string;
  readonly info: CollectionInfo;
  /** The newest timestamp every shard's state covers: the replica reads at it. */
  readonly ts: bigint;
  readonly shards: readonly ShardFeed[];
}

const BIGINT = '__vesper_bigint';
const BYTES = '__vesper_bytes';

/** JSON text with bigints and Uint8Arrays tagged (base64 bytes). */
export function toWire(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return { [BIGINT]: v.toString() };
    if (v instanceof Uint8Array) return { [BYTES]: toBase64(v) };
    return v;
  });
}

/** @throws INCORRECT_PARAMETER_FORMAT (1801) when the text is not JSON. */
export function fromWire(text: string): unknown {
  try {
    return JSON.parse(text, (_k, v: unknown) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        if (typeof o[BIGINT] === 'string') return BigInt(o[BIGINT]);
        if (typeof o[BYTES] === 'string') return fromBase64(o[BYTES]);
      }
      return v;
    });
  } catch (e) {
    throw new VesperError('INCORRECT_PARAMETER_FORMAT', `replica answer is not valid JSON: ${(e as Error).message}`);
  }
}

function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The object keys a segment record names (insert log, delete logs, index files). */
export function recordKeys(rec: SegmentRecord): string[] {
  return [rec.insertLog, ...rec.deltaLogs, ...rec.indexes.map((i) => i.key)];
}
