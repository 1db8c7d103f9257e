/**
 * Byte layout of a persisted scalar index (docs/format/scalar-index.md): a fixed header, the
 * sorted keys, then the CSR posting lists. All integers little-endian, read through DataView
 * so neither alignment nor host endianness matter.
 *
 * Invariants: a reader rejects a magic, version or flag it does not know (FORMAT_UNSUPPORTED)
 * and any truncation or inconsistency (FORMAT_CORRUPT) before building anything.
 */
import { VesperError } from '../../errors/index.ts';
import { DataType } from '../../schema/data-type.ts';
import type { IndexKey, ScalarIndexType } from './scalar-index.ts';
import { compareKeys, type KeyKind, type Postings } from './sorted-postings.ts';

const MAGIC = 0x58495356; // "VSIX" read as a little-endian u32
export const SCALAR_INDEX_VERSION = 1;
const HEADER = 32;
const TYPES: readonly ScalarIndexType[] = ['INVERTED', 'STL_SORT', 'TRIE', 'BITMAP'];
const KINDS: readonly KeyKind[] = ['number', 'bigint', 'string'];

export function encodeScalarIndex(type: ScalarIndexType, dataType: DataType, elementType: DataType | undefined, p: Postings): Uint8Array {
  const enc = new TextEncoder();
  const k = p.keys.length;
  let keyBytes: number;
  let strings: Uint8Array[] = [];
  if (p.keyKind === 'string') {
    strings = p.keys.map((s) => enc.encode(s as string));
    keyBytes = 4 * k + strings.reduce((a, s) => a + s.length, 0);
  } else keyBytes = 8 * k;
  const pad = (4 - (keyBytes % 4)) % 4;
  const total = HEADER + keyBytes + pad + 4 * (k + 1) + 4 * p.rows.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint16(4, SCALAR_INDEX_VERSION, true);
  dv.setUint16(6, 0, true); // feature flags: none defined in version 1
  dv.setUint8(8, TYPES.indexOf(type) + 1);
  dv.setUint8(9, KINDS.indexOf(p.keyKind) + 1);
  dv.setUint8(10, dataType);
  dv.setUint8(11, elementType ?? 0);
  dv.setUint32(12, p.rowCount, true);
  dv.setUint32(16, k, true);
  dv.setUint32(20, p.rows.length, true);
  dv.setUint32(24, keyBytes, true);
  dv.setUint32(28, 0, true); // reserved
  let off = HEADER;
  if (p.keyKind === 'string') {
    for (const s of strings) {
      dv.setUint32(off, s.length, true);
      off += 4;
    }
    for (const s of strings) {
      out.set(s, off);
      off += s.length;
    }
  } else if (p.keyKind === 'bigint') {
    for (const key of p.keys) {
      dv.setBigInt64(off, key as bigint, true);
      off += 8;
    }
  } else {
    for (const key of p.keys) {
      dv.setFloat64(off, key as number, true);
      off += 8;
    }
  }
  off += pad;
  for (let i = 0; i <= k; i++, off += 4) dv.setUint32(off, p.offsets[i]!, true);
  for (let i = 0; i < p.rows.length; i++, off += 4) dv.setUint32(off, p.rows[i]!, true);
  return out;
}

function corrupt(what: string): VesperError {
  return new VesperError('FORMAT_CORRUPT', `scalar index bytes are corrupt: ${what}`);
}

export interface DecodedScalarIndex {
  readonly type: ScalarIndexType;
  readonly dataType: DataType;
  readonly elementType: DataType | undefined;
  readonly postings: Postings;
}

export function decodeScalarIndex(bytes: Uint8Array): DecodedScalarIndex {
  if (bytes.length < HEADER) throw corrupt(`${bytes.length} bytes is shorter than the ${HEADER}-byte header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new VesperError('FORMAT_UNSUPPORTED', 'not a scalar index file (bad magic)');
  const version = dv.getUint16(4, true);
  if (version !== SCALAR_INDEX_VERSION) throw new VesperError('FORMAT_UNSUPPORTED', `scalar index version ${version} is not supported (this reader knows ${SCALAR_INDEX_VERSION})`);
  const flags = dv.getUint16(6, true);
  if (flags !== 0) throw new VesperError('FORMAT_UNSUPPORTED', `scalar index feature flags 0x${flags.toString(16)} are not supported`);
  const type = TYPES[dv.getUint8(8) - 1];
  const keyKind = KINDS[dv.getUint8(9) - 1];
  if (type === undefined || keyKind === undefined) throw corrupt('unknown index type or key kind');
  const dataType = dv.getUint8(10) as DataType;
  const et = dv.getUint8(11);
  if (DataType[dataType] === undefined || DataType[et] === undefined) throw corrupt('unknown data type');
  const rowCount = dv.getUint32(12, true);
  const k = dv.getUint32(16, true);
  const nRows = dv.getUint32(20, true);
  const keyBytes = dv.getUint32(24, true);
  const pad = (4 - (keyBytes % 4)) % 4;
  if (HEADER + keyBytes + pad + 4 * (k + 1) + 4 * nRows !== bytes.length) throw corrupt('section sizes do not add up to the file length');
  const keys: IndexKey[] = new Array<IndexKey>(k);
  let off = HEADER;
  if (keyKind === 'string') {
    if (4 * k > keyBytes) throw corrupt('string key lengths overrun the key section');
    const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    let s = HEADER + 4 * k;
    for (let i = 0; i < k; i++) {
      const len = dv.getUint32(off + 4 * i, true);
      if (s + len > HEADER + keyBytes) throw corrupt('string keys overrun the key section');
      try {
        keys[i] = dec.decode(bytes.subarray(s, s + len));
      } catch {
        throw corrupt('a string key is not valid UTF-8');
      }
      s += len;
    }
    if (s !== HEADER + keyBytes) throw corrupt('string keys do not fill the key section');
  } else {
    if (keyBytes !== 8 * k) throw corrupt('numeric key section has the wrong size');
    for (let i = 0; i < k; i++) keys[i] = keyKind === 'bigint' ? dv.getBigInt64(off + 8 * i, true) : dv.getFloat64(off + 8 * i, true);
  }
  off = HEADER + keyBytes + pad;
  const offsets = new Uint32Array(k + 1);
  for (let i = 0; i <= k; i++) offsets[i] = dv.getUint32(off + 4 * i, true);
  off += 4 * (k + 1);
  const rows = new Uint32Array(nRows);
  for (let i = 0; i < nRows; i++) rows[i] = dv.getUint32(off + 4 * i, true);
  if (offsets[0] !== 0 || offsets[k] !== nRows) throw corrupt('posting offsets do not span the rows');
  for (let i = 0; i < k; i++) {
    if (offsets[i]! > offsets[i + 1]!) throw corrupt('posting offsets decrease');
    if (i > 0 && compareKeys(keys[i - 1]!, keys[i]!) >= 0) throw corrupt('keys are not strictly increasing');
    if (typeof keys[i] === 'number' && Number.isNaN(keys[i])) throw corrupt('NaN key');
  }
  for (let i = 0; i < nRows; i++) if (rows[i]! >= rowCount) throw corrupt(`row ${rows[i]} is past the row count ${rowCount}`);
  return { type, dataType, elementType: et === 0 ? undefined : (et as DataType), postings: { keyKind, keys, offsets, rows, rowCount } };
}
