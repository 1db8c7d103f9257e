/** KeyedQueue: per-key order is submission order; multi-key jobs never deadlock. */
import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyed-queue.ts';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('KeyedQueue', () => {
  it('runs jobs of one key in order, other keys in parallel', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    await Promise.all([
      q.run(['a'], async () => { await tick(20); log.push('a1'); }),
      q.run(['a'], async () => { log.push('a2'); }),
      q.run(['b'], async () => { log.push('b1'); }),
    ]);
    expect(log).toEqual(['b1', 'a1', 'a2']);
  });

  it('a failed job does not block the next', async () => {
    const q = new KeyedQueue();
    await expect(q.run(['k'], () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(q.run(['k'], async () => 1)).resolves.toBe(1);
    expect(q.busyKeys).toBe(0);
  });

  it('multi-key jobs submitted in opposite orders both finish', async () => {
    const q = new KeyedQueue();
    const r = await Promise.all([q.run(['x', 'y'], async () => { await tick(5); return 1; }), q.run(['y', 'x'], async () => 2)]);
    expect(r).toEqual([1, 2]);
  });
});
