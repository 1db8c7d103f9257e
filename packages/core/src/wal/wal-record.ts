/**
 * WAL record encoding (Milvus's InsertMsg / DeleteMsg on a vchannel). A record (version 2) is
 *   "VWAL" | u8 version | u8 type | u16 reserved | u32 reader feature flags | u32 header length | header JSON | body
 * (integers little-endian). Version 1 records — the same without the reserved word and the flags —
 * still decode. A reader refuses a record with a flag it does not know (FORMAT_UNSUPPORTED), and
 * a record it cannot parse is FORMAT_CORRUPT. Insert bodies are Arrow IPC files of the batch (storage/batch-file.ts); deletes carry their
 * primary keys in the header. An upsert is one insert record with `upsert: true`: its delete
 * of the batch's keys and its insert apply together at one timestamp, so a crash can never
 * leave half an upsert. docs/format/wal.md is the contract.
 */
import { VesperError } from '../errors/index.ts';
import type { RowBatch } from '../schema/row-batch.ts';
import type { CollectionSchema } from '../schema/types.ts';
import { decodeBatch, encodeBatchParts, joinParts, type EncodedParts } from '../storage/batch-file.ts';

/** The record version this build writes; it reads every version up to it. */
export const WAL_FORMAT = 2;
/** Reader feature flags this build understands (none are defined yet). */
export const WAL_KNOWN_FLAGS = 0;
const PREFIX_V1 = 10;
const PREFIX_V2 = 16;
const MAGIC = [0x56, 0x57, 0x41, 0x4c]; // "VWAL"
const TYPE_INSERT = 1;
const TYPE_DELETE = 2;

export interface InsertRecord {
  readonly type: 'insert';
  readonly collectionId: number;
  readonly partitionId: number;
  readonly ts: bigint;
  readonly upsert: boolean;
  readonly batch: RowBatch;
}

export interface DeleteRecord {
  readonly type: 'delete';
  readonly collectionId: number;
  /** -1: every partition. */
  readonly partitionId: number;
  readonly ts: bigint;
  readonly pks: readonly (bigint | string)[];
}

export type WalRecord = InsertRecord | DeleteRecord;

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeWalRecord(rec: WalRecord, schema: CollectionSchema): Uint8Array {
  let header: Record<string, unknown>;
  let body: EncodedParts;
  if (rec.type === 'insert') {
    header = { c: rec.collectionId, p: rec.partitionId, ts: rec.ts.toString(), upsert: rec.upsert, n: rec.batch.count };
    body = encodeBatchParts('wal-insert', schema.fields, rec.batch.columns, rec.batch.count);
  } else {
    const pks = rec.pks.map((k) => (typeof k === 'bigint' ? { i: k.toString() } : { s: k }));
    header = { c: rec.collectionId, p: rec.partitionId, ts: rec.ts.toString(), pks };
    body = { parts: [], byteLength: 0 };
  }
  const h = enc.encode(JSON.stringify(header));
  // the body's parts are copied straight into the record (one copy of the column data)
  const out = joinParts(body.parts, body.byteLength, PREFIX_V2 + h.length);
  out.set(MAGIC, 0);
  out[4] = WAL_FORMAT;
  out[5] = rec.type === 'insert' ? TYPE_INSERT : TYPE_DELETE;
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint16(6, 0, true);
  dv.setUint32(8, 0, true); // reader feature flags: none needed by what this build writes
  dv.setUint32(12, h.length, true);
  out.set(h, PREFIX_V2);
  return out;
}

/** The collection a record belongs to, without decoding its body. */
export function walRecordCollection(bytes: Uint8Array): number {
  return (readHeader(bytes).header as { c: number }).c;
}

function readHeader(bytes: Uint8Array): { type: number; header: Record<string, unknown>; bodyOffset: number } {
  if (bytes.length < PREFIX_V1 || MAGIC.some((b, i) => bytes[i] !== b)) throw new VesperError('FORMAT_CORRUPT', 'WAL record lacks its magic');
  const version = bytes[4]!;
  if (version === 0 || version > WAL_FORMAT) {
    throw new VesperError('FORMAT_UNSUPPORTED', `WAL record version ${version} is not one this reader knows (1..${WAL_FORMAT}); upgrade Vesper`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = PREFIX_V1;
  let len: number;
  if (version === 1) {
    len = dv.getUint32(6, true);
  } else {
    if (bytes.length < PREFIX_V2) throw new VesperError('FORMAT_CORRUPT', `WAL record of ${bytes.length} bytes is shorter than its ${PREFIX_V2}-byte prefix`);
    const unknown = dv.getUint32(8, true) & ~WAL_KNOWN_FLAGS;
    if (unknown !== 0) throw new VesperError('FORMAT_UNSUPPORTED', `WAL record uses unknown feature flags 0x${(unknown >>> 0).toString(16)}; upgrade Vesper`);
    len = dv.getUint32(12, true);
    start = PREFIX_V2;
  }
  if (start + len > bytes.length) throw new VesperError('FORMAT_CORRUPT', `WAL record header of ${len} bytes runs past the record's ${bytes.length} bytes`);
  let header: unknown;
  try {
    header = JSON.parse(dec.decode(bytes.subarray(start, start + len)));
  } catch (e) {
    throw new VesperError('FORMAT_CORRUPT', 'WAL record header is not valid JSON', undefined, { cause: e });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new VesperError('FORMAT_CORRUPT', 'WAL record header is not a JSON object');
  return { type: bytes[5]!, header: header as Record<string, unknown>, bodyOffset: start + len };
}

export function decodeWalRecord(bytes: Uint8Array, schema: CollectionSchema): WalRecord {
  const { type, header, bodyOffset } = readHeader(bytes);
  const h = header as { c: number; p: number; ts: string; upsert?: boolean; n?: number; pks?: ({ i: string } | { s: string })[] };
  if (!Number.isSafeInteger(h.c) || !Number.isSafeInteger(h.p) || typeof h.ts !== 'string' || !/^\d{1,20}$/.test(h.ts)) {
    throw new VesperError('FORMAT_CORRUPT', 'WAL record header lacks a valid collection, partition or timestamp');
  }
  if (type === TYPE_INSERT) {
    const file = decodeBatch(bytes.subarray(bodyOffset), schema.fields, 'wal-insert');
    return {
      type: 'insert',
      collectionId: h.c,
      partitionId: h.p,
      ts: BigInt(h.ts),
      upsert: h.upsert === true,
      batch: { count: file.rowCount, columns: file.columns },
    };
  }
  if (type === TYPE_DELETE) {
    const pkOk = (k: unknown): boolean => k !== null && typeof k === 'object'
      && ('i' in k ? typeof k.i === 'string' && /^-?\d{1,20}$/.test(k.i) : 's' in k && typeof k.s === 'string');
    if (!Array.isArray(h.pks) || !h.pks.every(pkOk)) throw new VesperError('FORMAT_CORRUPT', 'WAL delete record header lacks a valid primary key list');
    const pks = h.pks.map((k) => ('i' in k ? BigInt(k.i) : k.s));
    return { type: 'delete', collectionId: h.c, partitionId: h.p, ts: BigInt(h.ts), pks };
  }
  throw new VesperError('FORMAT_UNSUPPORTED', `unknown WAL record type ${type}`);
}
