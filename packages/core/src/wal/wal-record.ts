/**
 * WAL record encoding (Milvus's InsertMsg / DeleteMsg on a vchannel). A record is
 *   "VWAL" | u8 version | u8 type | u32 header length (LE) | header JSON | body
 * Insert bodies are Arrow IPC files of the batch (storage/batch-file.ts); deletes carry their
 * primary keys in the header. An upsert is one insert record with `upsert: true`: its delete
 * of the batch's keys and its insert apply together at one timestamp, so a crash can never
 * leave half an upsert. docs/format/wal.md is the contract.
 */
import { VesperError } from '../errors/index.ts';
import type { RowBatch } from '../schema/row-batch.ts';
import type { CollectionSchema } from '../schema/types.ts';
import { decodeBatch, encodeBatchParts, joinParts, type EncodedParts } from '../storage/batch-file.ts';

export const WAL_FORMAT = 1;
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
  const out = joinParts(body.parts, body.byteLength, 10 + h.length);
  out.set(MAGIC, 0);
  out[4] = WAL_FORMAT;
  out[5] = rec.type === 'insert' ? TYPE_INSERT : TYPE_DELETE;
  new DataView(out.buffer).setUint32(6, h.length, true);
  out.set(h, 10);
  return out;
}

/** The collection a record belongs to, without decoding its body. */
export function walRecordCollection(bytes: Uint8Array): number {
  return (readHeader(bytes).header as { c: number }).c;
}

function readHeader(bytes: Uint8Array): { type: number; header: Record<string, unknown>; bodyOffset: number } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new VesperError('FORMAT_CORRUPT', 'WAL record lacks its magic');
  const version = bytes[4]!;
  if (version > WAL_FORMAT) throw new VesperError('FORMAT_UNSUPPORTED', `WAL record version ${version} is newer than this reader`);
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(6, true);
  const header = JSON.parse(dec.decode(bytes.subarray(10, 10 + len))) as Record<string, unknown>;
  return { type: bytes[5]!, header, bodyOffset: 10 + len };
}

export function decodeWalRecord(bytes: Uint8Array, schema: CollectionSchema): WalRecord {
  const { type, header, bodyOffset } = readHeader(bytes);
  const h = header as { c: number; p: number; ts: string; upsert?: boolean; n?: number; pks?: ({ i: string } | { s: string })[] };
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
    const pks = (h.pks ?? []).map((k) => ('i' in k ? BigInt(k.i) : k.s));
    return { type: 'delete', collectionId: h.c, partitionId: h.p, ts: BigInt(h.ts), pks };
  }
  throw new VesperError('FORMAT_UNSUPPORTED', `unknown WAL record type ${type}`);
}
