/** Checksummed block reads through the block cache: byte-exact ranges, corruption detected, the ceiling held. */
import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../adapters/memory-object-store.ts';
import { Random, testSeed } from './random.ts';
import { BlockCache } from './block-cache.ts';
import { BlockReader, blockChecksums, objectRange } from './block-file.ts';

const SEED = testSeed(process.env.VESPER_SEED);

async function fixture(size: number, blockSize: number, lead = 100): Promise<{ store: MemoryObjectStore; bytes: Uint8Array; checksums: Uint32Array }> {
  const rnd = new Random(SEED);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = rnd.int(256);
  const file = new Uint8Array(lead + size);
  file.set(bytes, lead);
  const store = new MemoryObjectStore();
  await store.put('f', file);
  return { store, bytes, checksums: blockChecksums(bytes, blockSize) };
}

describe('BlockReader', () => {
  it('returns exactly the bytes of random ranges, reading only the blocks they cover', async () => {
    console.log(`block-file seed ${SEED}`);
    const { store, bytes, checksums } = await fixture(10_000, 256);
    const cache = new BlockCache(1 << 20);
    const reader = new BlockReader(objectRange(store, 'f'), { offset: 100, length: bytes.length, blockSize: 256, checksums }, cache);
    const rnd = new Random(SEED + 1);
    for (let t = 0; t < 200; t++) {
      const off = rnd.int(bytes.length);
      const len = rnd.int(Math.min(2000, bytes.length - off) + 1);
      expect(await reader.read(off, len)).toEqual(bytes.subarray(off, off + len));
    }
    const s = cache.stats();
    expect(s.bytesRead).toBeLessThanOrEqual(bytes.length); // each block fetched at most once with room to keep them all
    expect(s.hits).toBeGreaterThan(0);
  });

  it('a flipped byte in the file is FORMAT_CORRUPT, never wrong bytes', async () => {
    const { store, bytes, checksums } = await fixture(4096, 512);
    const file = (await store.get('f'))!;
    file[100 + 1500]! ^= 0x40; // block 2
    await store.put('g', file);
    const reader = new BlockReader(objectRange(store, 'g'), { offset: 100, length: bytes.length, blockSize: 512, checksums }, new BlockCache(1 << 16));
    expect(await reader.read(0, 1000)).toEqual(bytes.subarray(0, 1000));
    await expect(reader.read(1000, 1000)).rejects.toMatchObject({ error: 'FORMAT_CORRUPT' });
    await expect(reader.read(1500, 1)).rejects.toMatchObject({ error: 'FORMAT_CORRUPT' });
  });

  it('a truncated file is FORMAT_CORRUPT and a missing one IO_KEY_NOT_FOUND', async () => {
    const { store, bytes, checksums } = await fixture(4096, 512);
    await store.put('short', (await store.get('f'))!.subarray(0, 3000));
    const short = new BlockReader(objectRange(store, 'short'), { offset: 100, length: bytes.length, blockSize: 512, checksums });
    await expect(short.read(3500, 10)).rejects.toMatchObject({ error: 'FORMAT_CORRUPT' });
    const gone = new BlockReader(objectRange(store, 'nope'), { offset: 100, length: bytes.length, blockSize: 512, checksums });
    await expect(gone.read(0, 10)).rejects.toMatchObject({ error: 'IO_KEY_NOT_FOUND' });
  });

  it('a block table that does not fit its region is refused', () => {
    expect(() => new BlockReader(objectRange(new MemoryObjectStore(), 'f'), { offset: 0, length: 1000, blockSize: 256, checksums: new Uint32Array(3) }))
      .toThrow(expect.objectContaining({ error: 'FORMAT_CORRUPT' }) as Error);
  });
});

describe('BlockCache', () => {
  it('never holds more than its capacity and evicts least recently used first', () => {
    const cache = new BlockCache(1000);
    for (let i = 0; i < 50; i++) {
      cache.put(`b${i}`, new Uint8Array(100 + (i % 7) * 30));
      expect(cache.stats().residentBytes).toBeLessThanOrEqual(1000);
      if (i >= 1) cache.get('b0'); // keeps b0 recently used
    }
    expect(cache.has('b0')).toBe(true);
    expect(cache.has('b1')).toBe(false);
    cache.put('huge', new Uint8Array(2000));
    expect(cache.has('huge')).toBe(false);
    expect(cache.stats().residentBytes).toBeLessThanOrEqual(1000);
  });

  it('a budget of zero keeps nothing; an invalid budget is PARAMETER_INVALID naming memoryBudget', () => {
    const zero = new BlockCache(0);
    zero.put('a', new Uint8Array(1));
    expect(zero.stats().residentBytes).toBe(0);
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 60]) {
      expect(() => new BlockCache(bad)).toThrow(expect.objectContaining({ error: 'PARAMETER_INVALID', message: expect.stringContaining('memoryBudget') as string }) as Error);
    }
  });
});
