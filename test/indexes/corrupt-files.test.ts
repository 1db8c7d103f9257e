/**
 * Index files whose sections disagree with their header must fail at open with
 * FORMAT_CORRUPT: the search kernels trust section sizes and adjacency lists, so a file that
 * opened anyway would read past its blocks or answer from garbage. Each case rewrites a valid
 * file through the container writer (so magic, version and JSON stay valid) with one defect.
 * Seed: VESPER_SEED.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../../packages/core/src/util/random.ts';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { FloatVectorColumn } from '../../packages/core/src/schema/columns.ts';
import { loadKernelsNode } from '../../packages/core/src/node/kernels.ts';
import { HnswIndex, getIndexFactory, openIndex } from '../../packages/core/src/index/index.ts';
import { memoryRange } from '../../packages/core/src/util/block-file.ts';
import { FLAG_HNSW_INTERLEAVED, FLAG_NORMALIZED, readIndexFile, writeIndexFile, type IndexHeader } from '../../packages/core/src/index/index-format.ts';
import { clustered } from './fixtures.ts';

const seed = testSeed(process.env.VESPER_SEED);
const N = 400;
const DIM = 16;
const data = clustered(seed, N + 1, DIM, { clusters: 6, rank: 6 });
const column: FloatVectorColumn = { type: DataType.FloatVector, length: N, dim: DIM, data: data.subarray(0, N * DIM) };
const query = data.slice(N * DIM);
const code = (error: string): unknown => expect.objectContaining({ error });

beforeAll(async () => {
  await loadKernelsNode();
});

interface Parts {
  header: IndexHeader;
  flags: number;
  sections: Record<string, Uint8Array>;
}

function parts(bytes: Uint8Array): Parts {
  const f = readIndexFile(bytes);
  const { sections: table, ...header } = f.header as IndexHeader & { sections: Array<{ name: string }> };
  const sections: Record<string, Uint8Array> = {};
  for (const s of table) sections[s.name] = f.section(s.name).slice();
  return { header: header as IndexHeader, flags: f.flags, sections };
}

const rewrite = (p: Parts): Uint8Array => writeIndexFile(p.header, p.flags, p.sections);

function repeat(bytes: Uint8Array, times: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength * times);
  for (let i = 0; i < times; i++) out.set(bytes, i * bytes.byteLength);
  return out;
}

function setU32(bytes: Uint8Array, at: number, v: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(at, v, true);
}

describe(`corrupt index files (seed ${seed})`, () => {
  for (const type of ['HNSW', 'HNSW_SQ'] as const) {
    it(`${type}: a faithful rewrite opens and answers as the original`, async () => {
      const idx = await getIndexFactory(type).build(column, 'L2', { M: 8, efConstruction: 40 });
      const again = await openIndex(rewrite(parts(idx.serialize())));
      expect(again.search(query, 1, 10)).toEqual(idx.search(query, 1, 10));
    });

    it(`${type}: wrong section lengths, links past the last row and a bad entry point fail at open`, async () => {
      const idx = await getIndexFactory(type).build(column, 'L2', { M: 8, efConstruction: 40 });
      const ok = parts(idx.serialize());
      const stride0 = ok.sections['level0']!.byteLength / N;

      const long = parts(idx.serialize());
      long.sections['level0'] = repeat(ok.sections['level0']!, 4); // the review's case: 4x too long
      expect(() => openIndex(rewrite(long))).toThrow(code('FORMAT_CORRUPT'));

      const short = parts(idx.serialize());
      short.sections['levels'] = ok.sections['levels']!.subarray(0, N - 1);
      expect(() => openIndex(rewrite(short))).toThrow(code('FORMAT_CORRUPT'));

      const upper = parts(idx.serialize());
      upper.sections['upper'] = repeat(ok.sections['upper']!, 2);
      expect(() => openIndex(rewrite(upper))).toThrow(code('FORMAT_CORRUPT'));

      const link = parts(idx.serialize());
      const row = (seed % N) >>> 0;
      setU32(link.sections['level0']!, row * stride0, 1);
      setU32(link.sections['level0']!, row * stride0 + 4, N + 7);
      expect(() => openIndex(rewrite(link))).toThrow(code('FORMAT_CORRUPT'));

      const many = parts(idx.serialize());
      setU32(many.sections['level0']!, row * stride0, 2 * 8 + 1);
      expect(() => openIndex(rewrite(many))).toThrow(code('FORMAT_CORRUPT'));

      const entry = parts(idx.serialize());
      entry.header = { ...entry.header, entry: N };
      expect(() => openIndex(rewrite(entry))).toThrow(code('FORMAT_CORRUPT'));
    });
  }

  it('HNSW opened by range in pieces (openFrom): answers as the original at any piece size; every defect open finds, it finds', async () => {
    const idx = await getIndexFactory('HNSW').build(column, 'L2', { M: 8, efConstruction: 40 });
    const bytes = idx.serialize();
    const want = idx.search(query, 1, 10);
    // pieces smaller than a level-0 record, not dividing it, and the whole section at once
    for (const chunk of [1000, 4096, bytes.byteLength]) {
      const again = await HnswIndex.openFrom(memoryRange(bytes), chunk);
      expect(again.search(query, 1, 10), `chunk ${chunk}`).toEqual(want);
      again.dispose();
    }
    expect(await getIndexFactory('HNSW').openFrom!(memoryRange(bytes))).toBeInstanceOf(HnswIndex);

    const ok = parts(bytes);
    const stride0 = ok.sections['level0']!.byteLength / N;
    const row = (seed % N) >>> 0;
    const link = parts(bytes);
    setU32(link.sections['level0']!, row * stride0, 1);
    setU32(link.sections['level0']!, row * stride0 + 4, N + 7);
    const upper = parts(bytes);
    upper.sections['upper'] = repeat(ok.sections['upper']!, 2);
    const long = parts(bytes);
    long.sections['level0'] = repeat(ok.sections['level0']!, 4);
    const entry = parts(bytes);
    entry.header = { ...entry.header, entry: N };
    for (const [what, file] of [['a link past the last row', rewrite(link)], ['upper lists too long', rewrite(upper)], ['level 0 too long', rewrite(long)], ['a bad entry point', rewrite(entry)], ['a truncated file', bytes.subarray(0, bytes.byteLength - 100)]] as const) {
      await expect(HnswIndex.openFrom(memoryRange(file), 1000), what).rejects.toThrow(code('FORMAT_CORRUPT'));
    }
    await expect(HnswIndex.openFrom({ id: 'gone', getRange: () => Promise.resolve(undefined) })).rejects.toThrow(code('IO_KEY_NOT_FOUND'));
  });

  it('HNSW: the flags word must describe the file', async () => {
    const idx = await getIndexFactory('HNSW').build(column, 'L2', { M: 8, efConstruction: 40 });
    const p = parts(idx.serialize());
    expect(() => openIndex(writeIndexFile(p.header, p.flags & ~FLAG_HNSW_INTERLEAVED, p.sections))).toThrow(code('FORMAT_CORRUPT'));
    expect(() => openIndex(writeIndexFile(p.header, p.flags | FLAG_NORMALIZED, p.sections))).toThrow(code('FORMAT_CORRUPT'));
  });

  it('FLAT and IVF_SQ8: a flag of another kind of file, or a missing one, is corrupt', async () => {
    const flat = parts((await getIndexFactory('FLAT').build(column, 'COSINE', {})).serialize());
    expect(() => openIndex(writeIndexFile(flat.header, 0, flat.sections))).toThrow(code('FORMAT_CORRUPT'));
    const ivf = parts((await getIndexFactory('IVF_SQ8').build(column, 'L2', { nlist: 8 })).serialize());
    expect(() => openIndex(writeIndexFile(ivf.header, 0, ivf.sections))).toThrow(code('FORMAT_CORRUPT'));
    expect(() => openIndex(writeIndexFile(ivf.header, ivf.flags | FLAG_HNSW_INTERLEAVED, ivf.sections))).toThrow(code('FORMAT_CORRUPT'));
  });

  it('FLAT and BIN_FLAT: the vectors section must hold count x dim', async () => {
    const flat = parts((await getIndexFactory('FLAT').build(column, 'L2', {})).serialize());
    flat.sections['vectors'] = flat.sections['vectors']!.subarray(0, 4 * DIM * (N - 1));
    expect(() => openIndex(rewrite(flat))).toThrow(code('FORMAT_CORRUPT'));
    const bits = new Uint8Array(N * 4).map((_, i) => (i * 37 + seed) & 255);
    const bin = parts((await getIndexFactory('BIN_FLAT').build({ type: DataType.BinaryVector, length: N, dim: 32, data: bits }, 'HAMMING', {})).serialize());
    bin.sections['vectors'] = repeat(bin.sections['vectors']!, 2);
    expect(() => openIndex(rewrite(bin))).toThrow(code('FORMAT_CORRUPT'));
  });

  for (const type of ['IVF_FLAT', 'IVF_SQ8'] as const) {
    it(`${type}: posting lists must tile the rows and sections match nlist and count`, async () => {
      const idx = await getIndexFactory(type).build(column, 'L2', { nlist: 8 });
      const ok = parts(idx.serialize());
      expect((await openIndex(rewrite(ok))).search(query, 1, 5)).toEqual(idx.search(query, 1, 5));

      const id = parts(idx.serialize());
      setU32(id.sections['ids']!, 4 * ((seed >>> 3) % N), N);
      expect(() => openIndex(rewrite(id))).toThrow(code('FORMAT_CORRUPT'));

      const offsets = parts(idx.serialize());
      setU32(offsets.sections['offsets']!, 4 * 8, N - 1);
      expect(() => openIndex(rewrite(offsets))).toThrow(code('FORMAT_CORRUPT'));

      const cents = parts(idx.serialize());
      cents.sections['centroids'] = cents.sections['centroids']!.subarray(0, 4 * DIM * 7);
      expect(() => openIndex(rewrite(cents))).toThrow(code('FORMAT_CORRUPT'));
    });
  }
});
