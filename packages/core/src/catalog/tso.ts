/**
 * The timestamp oracle (RootCoord's TSO): hybrid timestamps `physical_ms << 18 | logical`
 * as bigint, strictly increasing across calls and across restarts. The physical part is
 * persisted ahead as a window (default 3 s): after a restart the oracle starts above the
 * saved window end, so it never reissues a timestamp even if the clock went backwards.
 */
import type { MetaStore } from '../adapters/meta-store.ts';

export const LOGICAL_BITS = 18n;
const LOGICAL_MAX = (1 << 18) - 1;
const KEY = 'tso';

export function composeTs(physicalMs: number, logical = 0): bigint {
  return (BigInt(physicalMs) << LOGICAL_BITS) | BigInt(logical);
}

export function physicalMs(ts: bigint): number {
  return Number(ts >> LOGICAL_BITS);
}

export class Tso {
  private physical = 0;
  private logical = 0;
  private windowEnd = 0;
  private saving: Promise<void> | undefined;

  private constructor(
    private readonly meta: MetaStore,
    private readonly clock: () => number,
    private readonly windowMs: number,
  ) {}

  static async open(meta: MetaStore, opts: { clock?: () => number; windowMs?: number } = {}): Promise<Tso> {
    const tso = new Tso(meta, opts.clock ?? Date.now, opts.windowMs ?? 3000);
    const saved = await meta.get(KEY);
    const last = saved ? Number(JSON.parse(saved.value)) : 0;
    tso.physical = Math.max(last + 1, tso.clock());
    tso.windowEnd = tso.physical;
    await tso.extend();
    return tso;
  }

  /** Allocates one timestamp. */
  async next(): Promise<bigint> {
    return (await this.nextBatch(1))[0]!;
  }

  /** Allocates `count` consecutive timestamps. */
  async nextBatch(count: number): Promise<bigint[]> {
    const now = this.clock();
    if (now > this.physical) {
      this.physical = now;
      this.logical = 0;
    }
    if (this.logical + count > LOGICAL_MAX) {
      this.physical++;
      this.logical = 0;
    }
    if (this.physical >= this.windowEnd) await this.extend();
    const out: bigint[] = [];
    for (let i = 0; i < count; i++) out.push(composeTs(this.physical, this.logical++));
    return out;
  }

  /** The newest timestamp issued so far (or the start point), without allocating. */
  current(): bigint {
    return composeTs(this.physical, Math.max(0, this.logical - 1));
  }

  private async extend(): Promise<void> {
    // Serialize window saves: concurrent callers wait for the same write.
    while (this.saving) await this.saving;
    if (this.physical < this.windowEnd) return;
    const end = this.physical + this.windowMs;
    this.saving = this.meta.put(KEY, JSON.stringify(end)).then(() => {
      this.windowEnd = end;
    });
    try {
      await this.saving;
    } finally {
      this.saving = undefined;
    }
  }
}
