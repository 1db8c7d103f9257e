/**
 * Checksummed regions read by range (docs/format/block-file.md; in util/ so that indexes, a
 * layer below storage, can use it): a region of a file is cut into
 * fixed-size blocks, each with a CRC-32 kept in a table beside it. A reader fetches only the
 * blocks covering the bytes it wants through `ObjectStore.getRange` (neighbouring missing blocks
 * in one request), checks each block against the table and keeps it in the database's block
 * cache. A block that does not match its checksum, or a file shorter than its table says, is
 * FORMAT_CORRUPT: a torn or evicted file never produces a wrong answer.
 */
import { VesperError } from '../errors/index.ts';
import { crc32 } from './crc32.ts';
import type { BlockCache } from './block-cache.ts';

export const DEFAULT_BLOCK_SIZE = 4096;

/** The CRC-32 of every `blockSize` block of bytes (the last one may be shorter). */
export function blockChecksums(bytes: Uint8Array, blockSize: number): Uint32Array {
  const n = Math.ceil(bytes.byteLength / blockSize);
  const out = new Uint32Array(n);
  for (let b = 0; b < n; b++) out[b] = crc32(bytes.subarray(b * blockSize, Math.min(bytes.byteLength, (b + 1) * blockSize)));
  return out;
}

/** Where bytes come from by range: an ObjectStore key, or bytes already in memory. */
export interface RangeSource {
  /** A name unique within the cache (the object key). */
  readonly id: string;
  getRange(offset: number, length: number): Promise<Uint8Array | undefined>;
}

/** A region of a file: `length` bytes from `offset`, in blocks of `blockSize` with checksums. */
export interface BlockRegion {
  readonly offset: number;
  readonly length: number;
  readonly blockSize: number;
  readonly checksums: Uint32Array;
}

/**
 * Reads a checksummed region by block. Blocks live in the cache (when given) under
 * `${source.id}#${region.offset}:${block}`; without a cache every read fetches.
 */
export class BlockReader {
  private readonly inflight = new Map<number, Promise<Uint8Array>>();
  /** Bytes this reader fetched (also counted in the cache's stats). */
  bytesRead = 0;

  constructor(
    private readonly source: RangeSource,
    readonly region: BlockRegion,
    private readonly cache?: BlockCache,
  ) {
    const { offset, length, blockSize, checksums } = region;
    if (!Number.isSafeInteger(blockSize) || blockSize < 64 || !Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0
      || checksums.length !== Math.ceil(length / blockSize)) {
      throw new VesperError('FORMAT_CORRUPT', `${source.id}: block table does not describe its region (${checksums.length} checksums for ${length} bytes in blocks of ${blockSize})`);
    }
  }

  get blockCount(): number {
    return this.region.checksums.length;
  }

  private key(b: number): string {
    return `${this.source.id}#${this.region.offset}:${b}`;
  }

  /** The block if it is in the cache (no fetch). */
  cached(b: number): Uint8Array | undefined {
    return this.cache?.get(this.key(b));
  }

  /** Blocks covering [offset, offset + length) of the region. */
  blocksOf(offset: number, length: number): [number, number] {
    const bs = this.region.blockSize;
    return [Math.floor(offset / bs), Math.floor((offset + Math.max(length, 1) - 1) / bs)];
  }

  /**
   * Fetches (or finds in the cache) the listed blocks; returns them by block number. Runs of
   * consecutive missing blocks are one range request each.
   * @throws FORMAT_CORRUPT on a checksum mismatch or a short read; IO_KEY_NOT_FOUND when the file is gone.
   */
  async blocks(list: Iterable<number>): Promise<Map<number, Uint8Array>> {
    const out = new Map<number, Uint8Array>();
    const missing: number[] = [];
    const waits: Promise<void>[] = [];
    for (const b of new Set(list)) {
      if (!Number.isInteger(b) || b < 0 || b >= this.blockCount) throw new VesperError('INTERNAL', `${this.source.id}: block ${b} outside the region`);
      const hit = this.cached(b);
      if (hit !== undefined) out.set(b, hit);
      else {
        const pending = this.inflight.get(b);
        if (pending !== undefined) waits.push(pending.then((bytes) => void out.set(b, bytes)));
        else missing.push(b);
      }
    }
    missing.sort((a, z) => a - z);
    for (let i = 0; i < missing.length;) {
      let j = i + 1;
      while (j < missing.length && missing[j] === missing[j - 1]! + 1) j++;
      const run = missing.slice(i, j);
      const p = this.fetchRun(run[0]!, run.length);
      run.forEach((b, r) => {
        const one = p.then((bytes) => bytes[r]!);
        this.inflight.set(b, one);
        waits.push(one.then((bytes) => void out.set(b, bytes)));
      });
      void p.then(() => run.forEach((b) => this.inflight.delete(b)), () => run.forEach((b) => this.inflight.delete(b)));
      i = j;
    }
    await Promise.all(waits);
    return out;
  }

  /** Reads bytes [offset, offset + length) of the region (a copy). */
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.region.length) {
      throw new VesperError('INTERNAL', `${this.source.id}: read [${offset}, ${offset + length}) outside a region of ${this.region.length} bytes`);
    }
    const out = new Uint8Array(length);
    if (length === 0) return out;
    const [b0, b1] = this.blocksOf(offset, length);
    const got = await this.blocks(Array.from({ length: b1 - b0 + 1 }, (_, i) => b0 + i));
    const bs = this.region.blockSize;
    for (let b = b0; b <= b1; b++) {
      const bytes = got.get(b)!;
      const from = Math.max(offset, b * bs);
      const to = Math.min(offset + length, b * bs + bytes.byteLength);
      out.set(bytes.subarray(from - b * bs, to - b * bs), from - offset);
    }
    return out;
  }

  private async fetchRun(first: number, count: number): Promise<Uint8Array[]> {
    const { offset, length, blockSize, checksums } = this.region;
    const start = first * blockSize;
    const end = Math.min(length, (first + count) * blockSize);
    const bytes = await this.source.getRange(offset + start, end - start);
    if (bytes === undefined) throw new VesperError('IO_KEY_NOT_FOUND', `${this.source.id} is missing (evicted or deleted)`);
    if (bytes.byteLength !== end - start) {
      throw new VesperError('FORMAT_CORRUPT', `${this.source.id}: range read of blocks ${first}..${first + count - 1} returned ${bytes.byteLength} of ${end - start} bytes (file truncated)`);
    }
    this.bytesRead += bytes.byteLength;
    this.cache?.noteRead(bytes.byteLength);
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const b = first + i;
      // a copy per block: the cache must not keep the whole run's buffer alive through one block
      const block = bytes.slice(i * blockSize, Math.min(bytes.byteLength, (i + 1) * blockSize));
      if (crc32(block) !== checksums[b]) {
        this.cache?.evictPrefix(`${this.source.id}#`);
        throw new VesperError('FORMAT_CORRUPT', `${this.source.id}: block ${b} of the region at ${offset} fails its checksum (torn or overwritten file)`);
      }
      this.cache?.put(this.key(b), block);
      out.push(block);
    }
    return out;
  }
}

/** A RangeSource over an ObjectStore key. */
export function objectRange(objects: { getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> }, key: string): RangeSource {
  return { id: key, getRange: (offset, length) => objects.getRange(key, offset, length) };
}

let memoryIds = 0;

/** A RangeSource over bytes in memory (an index opened from its serialized bytes). */
export function memoryRange(bytes: Uint8Array): RangeSource {
  const id = `memory:${++memoryIds}`;
  return {
    id,
    getRange: (offset, length) => Promise.resolve(bytes.subarray(Math.min(offset, bytes.byteLength), Math.min(offset + length, bytes.byteLength))),
  };
}
