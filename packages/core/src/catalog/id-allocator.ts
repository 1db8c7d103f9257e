/**
 * Unique integer ids (RootCoord's global id allocator) for collections, partitions,
 * segments, indexes and auto_id primary keys. Ids are reserved from the MetaStore in blocks
 * with compare-and-set, so they stay unique across restarts (a crash wastes at most the
 * rest of a block) and across writers sharing one MetaStore.
 */
import { VesperError } from '../errors/index.ts';
import type { MetaStore } from '../adapters/meta-store.ts';

export class IdAllocator {
  private next = 0;
  private end = 0;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly meta: MetaStore,
    private readonly key: string,
    private readonly blockSize = 10_000,
    private readonly start = 1,
  ) {}

  async alloc(): Promise<number> {
    return (await this.allocRange(1))[0];
  }

  /** Reserves `count` consecutive ids; returns [first, endExclusive]. */
  async allocRange(count: number): Promise<[number, number]> {
    while (this.next + count > this.end) {
      if (this.pending) await this.pending;
      else {
        this.pending = this.reserve(Math.max(count, this.blockSize)).finally(() => {
          this.pending = undefined;
        });
      }
    }
    const first = this.next;
    this.next += count;
    return [first, first + count];
  }

  /**
   * Makes every later id greater than `id` (an import that keeps its auto_id keys calls this
   * so new rows never reuse one): raises the stored high-water mark past it and drops the
   * current block if that block could still hand `id` or less out.
   */
  async advancePast(id: number): Promise<void> {
    if (!Number.isSafeInteger(id) || id < 0) return;
    while (this.pending) await this.pending;
    for (let attempt = 0; ; attempt++) {
      if (attempt >= 16) throw new VesperError('COMMIT_CONFLICT', `id allocator ${this.key}: too much contention`);
      const rec = await this.meta.get(this.key);
      const stored = rec ? Number(JSON.parse(rec.value)) : this.start;
      if (stored > id) break;
      try {
        await this.meta.put(this.key, JSON.stringify(id + 1), rec?.version ?? 0);
        break;
      } catch (e) {
        if (!VesperError.is(e, 'COMMIT_CONFLICT')) throw e;
      }
    }
    if (this.next <= id) this.next = this.end = 0;
  }

  private async reserve(size: number): Promise<void> {
    for (let attempt = 0; attempt < 16; attempt++) {
      const rec = await this.meta.get(this.key);
      const from = rec ? Number(JSON.parse(rec.value)) : this.start;
      const to = from + size;
      if (!Number.isSafeInteger(to)) throw new VesperError('RESOURCE_EXHAUSTED', `id allocator ${this.key} is exhausted`);
      try {
        await this.meta.put(this.key, JSON.stringify(to), rec?.version ?? 0);
      } catch (e) {
        if (VesperError.is(e, 'COMMIT_CONFLICT')) continue;
        throw e;
      }
      this.next = from;
      this.end = to;
      return;
    }
    throw new VesperError('COMMIT_CONFLICT', `id allocator ${this.key}: too much contention`);
  }
}
