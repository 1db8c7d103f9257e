/**
 * What a local replica and the server's replica endpoints exchange (docs/guide-edge.md,
 * "Replica endpoints"): per shard, the sealed segments a leader holds at one timestamp (the
 * manifest records with their files, and the deletes not yet in a delete log) and the growing
 * tail (the shard's WAL entries after the manifest checkpoint, with their server timestamps).
 * A (records, tail) pair is read under the shard's write lock, so it is one state the server
 * had. The body travels as JSON with bigints and bytes tagged (`toWire` / `fromWire`), or — when
 * the caller accepts WIRE_BINARY_TYPE — as the same JSON with the bytes moved out into a binary
 * section after it (`toWireBinary` / `fromWireBinary`): a catch-up's tail is a WAL record of
 * every row inserted (1,000 × 384-d is 1.5 MB), and base64 made it a third larger and cost
 * hundreds of ms to encode on the server and decode and re-encode on the replica.
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

/**
 * The binary form of a wire body (docs/guide-edge.md, "Replica endpoints"):
 * `VSPW` · u32 LE version (1) · u32 LE length J · J bytes of UTF-8 JSON · zero padding to a
 * multiple of 8 · the byte section. The JSON is `toWire`'s, except that each Uint8Array is
 * `{"__vesper_blob": [offset, length]}`, its bytes at that offset of the byte section; every
 * offset is a multiple of 8, so typed views of the bytes can be made in place.
 */
export const WIRE_BINARY_TYPE = 'application/vnd.vesper.wire';
const WIRE_MAGIC = [0x56, 0x53, 0x50, 0x57];
const WIRE_VERSION = 1;
const BLOB = '__vesper_blob';
const align8 = (n: number): number => (n + 7) & ~7;

/** `value` in the binary wire form: bytes are copied once, never base64-encoded. */
export function toWireBinary(value: unknown): Uint8Array<ArrayBuffer> {
  const blobs: Uint8Array[] = [];
  let size = 0;
  const json = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return { [BIGINT]: v.toString() };
    if (v instanceof Uint8Array) {
      const at = size;
      blobs.push(v);
      size = align8(size + v.length);
      return { [BLOB]: [at, v.length] };
    }
    return v;
  });
  const head = new TextEncoder().encode(json);
  const start = align8(12 + head.length);
  const out = new Uint8Array(start + size);
  out.set(WIRE_MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, WIRE_VERSION, true);
  dv.setUint32(8, head.length, true);
  out.set(head, 12);
  let at = start;
  for (const b of blobs) {
    out.set(b, at);
    at = align8(at + b.length);
  }
  return out;
}

/**
 * The value of a binary wire body; its Uint8Arrays are views of `bytes` (no copy).
 * @throws INCORRECT_PARAMETER_FORMAT (1801) when the bytes are not one
 */
export function fromWireBinary(bytes: Uint8Array): unknown {
  const bad = (why: string) => new VesperError('INCORRECT_PARAMETER_FORMAT', `replica answer is not a binary wire body: ${why}`);
  if (bytes.length < 12 || WIRE_MAGIC.some((b, i) => bytes[i] !== b)) throw bad('no VSPW magic');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== WIRE_VERSION) throw new VesperError('FORMAT_UNSUPPORTED', `binary wire body version ${version}; this build reads ${WIRE_VERSION}`);
  const len = dv.getUint32(8, true);
  const start = align8(12 + len);
  if (start > bytes.length) throw bad(`its JSON of ${len} bytes runs past the ${bytes.length} bytes`);
  const section = bytes.subarray(start);
  try {
    return JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len)), (_k, v: unknown) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        if (typeof o[BIGINT] === 'string') return BigInt(o[BIGINT]);
        const ref = o[BLOB];
        if (Array.isArray(ref)) {
          const [at, n] = ref as unknown[];
          if (!Number.isSafeInteger(at) || !Number.isSafeInteger(n) || (at as number) < 0 || (n as number) < 0 || (at as number) + (n as number) > section.length) {
            throw bad(`bytes at [${String(at)}, ${String(n)}] are outside its ${section.length}-byte section`);
          }
          return section.subarray(at as number, (at as number) + (n as number));
        }
      }
      return v;
    });
  } catch (e) {
    if (e instanceof VesperError) throw e;
    throw bad(`its JSON does not parse: ${(e as Error).message}`);
  }
}

/** The object keys a segment record names (insert log, delete logs, index files). */
export function recordKeys(rec: SegmentRecord): string[] {
  return [rec.insertLog, ...rec.deltaLogs, ...rec.indexes.map((i) => i.key)];
}
