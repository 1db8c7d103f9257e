/**
 * A byte-bounded block cache (LRU) shared by every range-read file of one database: the
 * disk-resident index reads full-precision vectors through it (block-file.ts). Its resident
 * bytes never exceed `capacity` — a block larger than the whole capacity is handed to the
 * caller and not kept. Stats count hits and misses per block and the bytes fetched from the
 * object store; `db.stats()` reports them.
 */
import { VesperError } from '../errors/index.ts';

export interface BlockCacheStats {
  /** The ceiling on `residentBytes` (the database's memory budget). */
  readonly capacity: number;
  readonly residentBytes: number;
  readonly blocks: number;
  readonly hits: number;
  readonly misses: number;
  /** Bytes fetched from the object store through range reads. */
  readonly bytesRead: number;
  readonly evictions: number;
}

export class BlockCache {
  readonly capacity: number;
  /** Map iteration order is insertion order: the first entry is the least recently used. */
  private readonly blocks = new Map<string, Uint8Array>();
  private resident = 0;
  private hits = 0;
  private misses = 0;
  private read = 0;
  private evictions = 0;

  /** @throws PARAMETER_INVALID unless capacity is a non-negative safe integer (bytes). */
  constructor(capacity: number) {
    checkBudget(capacity);
    this.capacity = capacity;
  }

  /** The block under key (now most recently used), or undefined; counts a hit or a miss. */
  get(key: string): Uint8Array | undefined {
    const b = this.blocks.get(key);
    if (b === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.blocks.delete(key);
    this.blocks.set(key, b);
    return b;
  }

  /** Whether key is resident (no stats, no reordering). */
  has(key: string): boolean {
    return this.blocks.has(key);
  }

  /** Keeps a block, evicting least recently used ones to stay within capacity. */
  put(key: string, bytes: Uint8Array): void {
    const old = this.blocks.get(key);
    if (old !== undefined) {
      this.blocks.delete(key);
      this.resident -= old.byteLength;
    }
    if (bytes.byteLength > this.capacity) return;
    while (this.resident + bytes.byteLength > this.capacity) {
      const first = this.blocks.keys().next();
      if (first.done === true) break;
      this.resident -= this.blocks.get(first.value)!.byteLength;
      this.blocks.delete(first.value);
      this.evictions++;
    }
    this.blocks.set(key, bytes);
    this.resident += bytes.byteLength;
  }

  /** Counts bytes fetched from the object store (by the readers using this cache). */
  noteRead(bytes: number): void {
    this.read += bytes;
  }

  /** Drops every block whose key starts with prefix (a file that is gone). */
  evictPrefix(prefix: string): void {
    for (const [k, b] of this.blocks) {
      if (!k.startsWith(prefix)) continue;
      this.blocks.delete(k);
      this.resident -= b.byteLength;
    }
  }

  stats(): BlockCacheStats {
    return {
      capacity: this.capacity, residentBytes: this.resident, blocks: this.blocks.size, hits: this.hits, misses: this.misses,
      bytesRead: this.read, evictions: this.evictions,
    };
  }
}

/** Largest budget accepted (bytes): Chrome caps WASM memory at 4 GiB; a cache beyond 64 GiB is a mistake. */
export const MAX_MEMORY_BUDGET = 64 * 2 ** 30;

/**
 * Checks a memory budget in bytes.
 * @throws PARAMETER_INVALID naming `memoryBudget` unless it is an integer in [0, MAX_MEMORY_BUDGET].
 */
export function checkBudget(bytes: unknown): asserts bytes is number {
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0 || bytes > MAX_MEMORY_BUDGET) {
    throw new VesperError('PARAMETER_INVALID', `memoryBudget (${String(bytes)}) should be an integer number of bytes in [0, ${MAX_MEMORY_BUDGET}]`, { param: 'memoryBudget' });
  }
}
