/**
 * WAL record readers refuse what they cannot read with a coded error and never guess: an
 * unknown feature flag or version is FORMAT_UNSUPPORTED, and bytes that are not a record — a
 * header that is not JSON (the review's case), a length past the end, fields of the wrong
 * type, any truncation — are FORMAT_CORRUPT. Seeded bit flips (VESPER_SEED) in the prefix and
 * the JSON header either decode or fail with one of those two codes; nothing else escapes. (Flips
 * inside the Arrow body are not covered: apache-arrow's reader can fail to return on some of
 * them, and the record carries no checksum of its own — the Wal adapters frame and check entries.)
 */
import { describe, expect, it } from 'vitest';
import { VesperError } from '../errors/index.ts';
import { DataType } from '../schema/data-type.ts';
import { normalizeSchema } from '../schema/normalize.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { Random, testSeed } from '../util/random.ts';
import { WAL_FORMAT, decodeWalRecord, encodeWalRecord, walRecordCollection, type WalRecord } from './wal-record.ts';

const seed = testSeed(process.env.VESPER_SEED);
const schema = normalizeSchema({
  collection_name: 'w',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 's', data_type: DataType.VarChar, max_length: 8, nullable: true },
    { name: 'v', data_type: DataType.FloatVector, dim: 3 },
  ],
});
const insert: WalRecord = {
  type: 'insert', collectionId: 5, partitionId: 6, ts: 77n, upsert: true,
  batch: rowsToBatch(schema, [{ id: 1, s: 'a', v: [1, 2, 3] }, { id: 2, s: null, v: [4, 5, 6] }]),
};
const del: WalRecord = { type: 'delete', collectionId: 5, partitionId: -1, ts: 78n, pks: [1n, -2n] };

const enc = new TextEncoder();
const errorOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof VesperError)) throw e;
    return e.error;
  }
};
const u32 = (b: Uint8Array, at: number, v: number): void => new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v, true);

/** A version-2 record with the given header bytes (and the body of `base`). */
function withHeader(base: Uint8Array, header: Uint8Array): Uint8Array {
  const oldLen = new DataView(base.buffer, base.byteOffset).getUint32(12, true);
  const body = base.subarray(16 + oldLen);
  const out = new Uint8Array(16 + header.length + body.length);
  out.set(base.subarray(0, 16), 0);
  u32(out, 12, header.length);
  out.set(header, 16);
  out.set(body, 16 + header.length);
  return out;
}

describe(`WAL record readers (seed ${seed})`, () => {
  it('write the current version with no flags, and read it back', () => {
    const bytes = encodeWalRecord(del, schema);
    expect(bytes[4]).toBe(WAL_FORMAT);
    expect(decodeWalRecord(bytes, schema)).toEqual(del);
    expect(walRecordCollection(bytes)).toBe(5);
  });

  it('refuse an unknown feature flag or version with FORMAT_UNSUPPORTED', () => {
    for (const flag of [1, 0x80, 0x80000000]) {
      const b = encodeWalRecord(insert, schema);
      u32(b, 8, flag);
      expect(errorOf(() => decodeWalRecord(b, schema)), `flag 0x${flag.toString(16)}`).toBe('FORMAT_UNSUPPORTED');
    }
    for (const version of [0, WAL_FORMAT + 1, 255]) {
      const b = encodeWalRecord(del, schema);
      b[4] = version;
      expect(errorOf(() => decodeWalRecord(b, schema)), `version ${version}`).toBe('FORMAT_UNSUPPORTED');
    }
    const b = encodeWalRecord(del, schema);
    b[5] = 9;
    expect(errorOf(() => decodeWalRecord(b, schema))).toBe('FORMAT_UNSUPPORTED');
  });

  it('report a header that is not JSON, or not a valid one, as FORMAT_CORRUPT', () => {
    const base = encodeWalRecord(del, schema);
    const headers = [
      '{"c": 5, "p": -1, "ts": "78", "pks": [', // torn JSON: the review's case
      '\u00ff\u00fe',
      '[1, 2]',
      'null',
      '{"c": "5", "p": -1, "ts": "78", "pks": []}',
      '{"c": 5, "p": -1, "ts": "7x8", "pks": []}',
      '{"c": 5, "p": -1, "ts": 78, "pks": []}',
      '{"c": 5, "p": -1, "ts": "78"}',
      '{"c": 5, "p": -1, "ts": "78", "pks": [{"i": "1.5"}]}',
      '{"c": 5, "p": -1, "ts": "78", "pks": [{"s": 3}]}',
      '{"c": 5, "p": -1, "ts": "78", "pks": [null]}',
    ];
    for (const h of headers) expect(errorOf(() => decodeWalRecord(withHeader(base, enc.encode(h)), schema)), h).toBe('FORMAT_CORRUPT');
    const long = encodeWalRecord(del, schema);
    u32(long, 12, long.length);
    expect(errorOf(() => decodeWalRecord(long, schema))).toBe('FORMAT_CORRUPT');
    const magic = encodeWalRecord(del, schema);
    magic[0] = 0x57;
    expect(errorOf(() => decodeWalRecord(magic, schema))).toBe('FORMAT_CORRUPT');
  });

  it('report every truncation as FORMAT_CORRUPT', () => {
    for (const rec of [insert, del]) {
      const bytes = encodeWalRecord(rec, schema);
      for (let n = 0; n < bytes.length; n++) {
        expect(errorOf(() => decodeWalRecord(bytes.subarray(0, n), schema)), `${rec.type} cut at ${n} of ${bytes.length}`).toBe('FORMAT_CORRUPT');
      }
    }
  });

  it('either decode a record with flipped prefix or header bits or fail with a format code', () => {
    const rng = new Random(seed);
    const bytes = encodeWalRecord(insert, schema);
    const bodyAt = 16 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    for (let trial = 0; trial < 400; trial++) {
      const b = bytes.slice();
      for (let k = rng.int(3) + 1; k > 0; k--) {
        const at = rng.int(bodyAt);
        b[at] = b[at]! ^ (1 << rng.int(8));
      }
      const code = errorOf(() => decodeWalRecord(b, schema));
      if (code !== undefined) expect(['FORMAT_CORRUPT', 'FORMAT_UNSUPPORTED'], `trial ${trial}`).toContain(code);
    }
  });
});
