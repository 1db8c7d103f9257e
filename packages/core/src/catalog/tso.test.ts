/** The timestamp oracle is strictly increasing, also across restarts and a clock going back. */
import { describe, expect, it } from 'vitest';
import { MemoryMetaStore } from '../adapters/index.ts';
import { Tso, composeTs, physicalMs } from './tso.ts';

describe('Tso', () => {
  it('hybrid layout: ms << 18 | logical', () => {
    const ts = composeTs(1_700_000_000_000, 5);
    expect(ts).toBe((1_700_000_000_000n << 18n) | 5n);
    expect(physicalMs(ts)).toBe(1_700_000_000_000);
  });

  it('strictly increases within a millisecond and across restarts, even if the clock goes back', async () => {
    const meta = new MemoryMetaStore();
    let now = 1_000_000;
    const a = await Tso.open(meta, { clock: () => now });
    const seen: bigint[] = [];
    for (let i = 0; i < 1000; i++) seen.push(await a.next());
    seen.push(...(await a.nextBatch(300_000)).slice(-2));
    now -= 60_000; // clock jumps back a minute
    const b = await Tso.open(meta, { clock: () => now });
    for (let i = 0; i < 10; i++) seen.push(await b.next());
    for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true);
  });
});
