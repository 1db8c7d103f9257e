/**
 * The sparse index file (docs/format/sparse-index.md): a seeded column serializes and opens
 * back to the very arrays the build made (and searches through them score the same), at any
 * byte alignment; every damaged, truncated, newer or inconsistent file is refused with a
 * coded error naming what is wrong, before anything is searched. Seed: VESPER_SEED.
 */
import { describe, expect, it } from 'vitest';
import { VesperError } from '../errors/index.ts';
import { DataType } from '../schema/data-type.ts';
import type { SparseVector, SparseVectorColumn } from '../schema/columns.ts';
import { crc32 } from '../util/crc32.ts';
import { Random, testSeed } from '../util/random.ts';
import { SparseInvertedIndex } from './sparse-inverted-index.ts';

const seed = testSeed(process.env.VESPER_SEED);

function randomColumn(rng: Random, n: number): SparseVectorColumn {
  const data: SparseVector[] = Array.from({ length: n }, () => {
    const m = Math.floor(rng.next() * 12);
    const set = new Set<number>();
    // small term ids repeat across rows; a few land near the top of the u32 range
    while (set.size < m) set.add(rng.next() < 0.9 ? Math.floor(rng.next() * 40) : 0xfffffffe - Math.floor(rng.next() * 3));
    const indices = Uint32Array.from(set).sort();
    return { indices, values: Float32Array.from(indices, () => (rng.next() < 0.5 ? Math.floor(1 + rng.next() * 5) : rng.next() * 4 - 1)) };
  });
  return { type: DataType.SparseFloatVector, length: n, data };
}

function arrays(x: SparseInvertedIndex): unknown[] {
  return [x.rowCount, x.totalLength, ...[x.lengths, x.terms, x.offsets, x.rows, x.values, x.maxValues].map((a) => Array.from(a))];
}

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof VesperError) return { code: e.error, message: e.message };
    throw e;
  }
  throw new Error('expected a VesperError');
}

/** Rewrites the checksum, so a test reaches the invariant checks behind it. */
function resealed(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(28, crc32(out.subarray(32), crc32(out.subarray(0, 28))), true);
  return out;
}

const dvOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe(`sparse inverted index file (seed ${seed})`, () => {
  it('serialize → open gives the arrays the build made, at every byte offset, and re-serializes to the same bytes', () => {
    const rng = new Random(seed);
    for (const n of [0, 1, 7, 300]) {
      const col = randomColumn(rng, n);
      const built = SparseInvertedIndex.build(col);
      const bytes = built.serialize();
      expect(bytes.length).toBe(built.bytes);
      for (const shift of [0, 1, 2, 3]) {
        const host = new Uint8Array(bytes.length + shift);
        host.set(bytes, shift);
        const opened = SparseInvertedIndex.open(host.subarray(shift));
        expect(arrays(opened), `n ${n} shift ${shift}`).toEqual(arrays(built));
        expect(opened.serialize()).toEqual(bytes);
      }
      // every row's postings as the column lists them
      for (let r = 0; r < n; r++) {
        const v = col.data[r]!;
        for (let i = 0; i < v.indices.length; i++) {
          const k = built.find(v.indices[i]!);
          const from = built.offsets[k]!;
          const at = Array.from(built.rows.subarray(from, built.offsets[k + 1]!)).indexOf(r);
          expect(at).toBeGreaterThanOrEqual(0);
          expect(built.values[from + at]).toBe(v.values[i]);
        }
      }
      expect(built.find(1000)).toBe(-1);
    }
  });

  it('unknown feature flags and other versions are FORMAT_UNSUPPORTED', () => {
    const bytes = SparseInvertedIndex.build(randomColumn(new Random(seed + 1), 20)).serialize();
    for (const flag of [1, 0x80, 0x80000000]) {
      const b = bytes.slice();
      dvOf(b).setUint32(8, flag, true);
      const e = codeOf(() => SparseInvertedIndex.open(resealed(b)));
      expect(e.code).toBe('FORMAT_UNSUPPORTED');
      expect(e.message).toContain(`0x${flag.toString(16)}`);
    }
    const v2 = bytes.slice();
    dvOf(v2).setUint16(4, 2, true);
    expect(codeOf(() => SparseInvertedIndex.open(resealed(v2))).code).toBe('FORMAT_UNSUPPORTED');
  });

  it('a torn, truncated or extended file, or one with a flipped bit anywhere, is FORMAT_CORRUPT', () => {
    const rng = new Random(seed + 2);
    const bytes = SparseInvertedIndex.build(randomColumn(rng, 40)).serialize();
    expect(codeOf(() => SparseInvertedIndex.open(bytes.subarray(0, 20))).code).toBe('FORMAT_CORRUPT');
    for (const cut of [32, bytes.length - 4, bytes.length - 1]) {
      expect(codeOf(() => SparseInvertedIndex.open(bytes.subarray(0, cut))), `cut at ${cut}`).toMatchObject({ code: 'FORMAT_CORRUPT', message: expect.stringContaining('truncated') as unknown });
    }
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(codeOf(() => SparseInvertedIndex.open(longer)).code).toBe('FORMAT_CORRUPT');
    // a torn write: the tail is zeros
    const torn = bytes.slice();
    torn.fill(0, torn.length >> 1);
    expect(codeOf(() => SparseInvertedIndex.open(torn)).message).toContain('checksum');
    for (let i = 0; i < 64; i++) {
      const at = 12 + Math.floor(rng.next() * (bytes.length - 12));
      const b = bytes.slice();
      b[at]! ^= 1 << Math.floor(rng.next() * 8);
      // a flip in a header count is a length mismatch or a checksum mismatch: always corrupt
      expect(codeOf(() => SparseInvertedIndex.open(b)).code, `bit flip at ${at}`).toBe('FORMAT_CORRUPT');
    }
    const magic = bytes.slice();
    magic[0] = 0x41;
    expect(codeOf(() => SparseInvertedIndex.open(magic)).message).toContain('magic');
  });

  it('a checksummed file whose postings break an invariant is FORMAT_CORRUPT naming it', () => {
    // rows 0: {3: 1, 7: 2}, 1: {}, 2: {7: 0.5, 9: 3} → terms 3, 7, 9; 4 postings
    const col: SparseVectorColumn = {
      type: DataType.SparseFloatVector, length: 3, data: [
        { indices: Uint32Array.of(3, 7), values: Float32Array.of(1, 2) },
        { indices: new Uint32Array(0), values: new Float32Array(0) },
        { indices: Uint32Array.of(7, 9), values: Float32Array.of(0.5, 3) },
      ],
    };
    const bytes = SparseInvertedIndex.build(col).serialize();
    // sections: lengths @32 (3), terms @44 (3), offsets @56 (4), rows @72 (4), values @88 (4), max @104 (3)
    const cases: [string, (d: DataView) => void, string][] = [
      ['row out of range', (d) => d.setUint32(72 + 4 * 2, 3, true), 'not below the row count'],
      ['rows not ascending', (d) => d.setUint32(72 + 4 * 1, 2, true), 'rows are not strictly ascending'],
      ['terms not ascending', (d) => d.setUint32(44 + 4, 3, true), 'terms are not strictly ascending'],
      ['term out of range', (d) => d.setUint32(44 + 8, 0xffffffff, true), 'out of the sparse index range'],
      ['empty posting list', (d) => d.setUint32(56 + 4, 0, true), 'empty'],
      ['offsets past the end', (d) => d.setUint32(56 + 12, 5, true), 'offsets run from 0 to 5'],
      ['value not finite', (d) => d.setFloat32(88, Number.NaN, true), 'not finite'],
      ['wrong max value', (d) => d.setFloat32(104 + 4, 0.5, true), 'max value'],
      ['wrong row length', (d) => d.setFloat32(32 + 4, 1, true), 'row 1: length 1'],
    ];
    for (const [name, change, says] of cases) {
      const b = bytes.slice();
      change(dvOf(b));
      const e = codeOf(() => SparseInvertedIndex.open(resealed(b)));
      expect(e.code, name).toBe('FORMAT_CORRUPT');
      expect(e.message, name).toContain(says);
    }
  });
});
