/**
 * Consistency levels while a write is in flight (its WAL append held open by a gating
 * storage adapter): Strong waits for it, Bounded waits only for writes older than its
 * staleness window, Eventually never waits, Session waits for the caller's own writes.
 */
import { describe, expect, it } from 'vitest';
import { VesperClient, createMemoryStorage, interceptStorage, type StorageSet } from '@vesper/core';
import { loadKernelsNode } from '@vesper/core/node';

function gatedStorage(): { storage: StorageSet; hold: () => void; release: () => void; held: () => boolean } {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const storage = interceptStorage(createMemoryStorage(), async (call, run) => {
    if (call.adapter === 'wal' && call.method === 'append' && gate) await gate;
    return run();
  });
  return {
    storage,
    hold: () => {
      gate = new Promise((r) => (open = r));
    },
    release: () => {
      gate = undefined;
      open?.();
    },
    held: () => gate !== undefined,
  };
}

const rows = (from: number, n: number): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, vector: [i, 1, 2, 3] }));

async function settledWithin<T>(p: Promise<T>, ms: number): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setTimeout(r, ms));
  return done;
}

async function setup(boundedStalenessMs?: number): Promise<{ db: VesperClient; g: ReturnType<typeof gatedStorage> }> {
  await loadKernelsNode();
  const g = gatedStorage();
  const db = await VesperClient.open({ storage: g.storage, ...(boundedStalenessMs !== undefined ? { boundedStalenessMs } : {}) });
  await db.createCollection({ collection_name: 'c', dimension: 4 });
  await db.insert({ collection_name: 'c', data: rows(0, 10) });
  return { db, g };
}

const count = (db: VesperClient, level: 'Strong' | 'Bounded' | 'Eventually' | 'Session'): Promise<number> =>
  db.count({ collection_name: 'c', consistency_level: level }).then((r) => r.data);

describe('consistency levels', () => {
  it('Strong waits for an in-flight write; Eventually and Bounded read what is applied', async () => {
    const { db, g } = await setup();
    g.hold();
    const write = db.insert({ collection_name: 'c', data: rows(10, 5) });
    await new Promise((r) => setTimeout(r, 10));
    expect(await count(db, 'Eventually')).toBe(10);
    expect(await count(db, 'Bounded')).toBe(10);
    const strong = count(db, 'Strong');
    expect(await settledWithin(strong, 50)).toBe(false);
    g.release();
    await write;
    expect(await strong).toBe(15);
    expect(await count(db, 'Eventually')).toBe(15);
    await db.close();
  });

  it('Bounded with a zero window behaves like Strong for writes already issued', async () => {
    const { db, g } = await setup(0);
    g.hold();
    const write = db.insert({ collection_name: 'c', data: rows(10, 5) });
    await new Promise((r) => setTimeout(r, 10));
    const bounded = count(db, 'Bounded');
    expect(await settledWithin(bounded, 50)).toBe(false);
    g.release();
    await write;
    expect(await bounded).toBe(15);
    await db.close();
  });

  it('Session: a client reads its own acknowledged writes', async () => {
    const { db } = await setup();
    for (let i = 0; i < 5; i++) {
      await db.insert({ collection_name: 'c', data: rows(100 + i * 10, 10) });
      expect(await count(db, 'Session')).toBe(20 + i * 10);
    }
    await db.delete({ collection_name: 'c', filter: 'id >= 100' });
    expect(await count(db, 'Session')).toBe(10);
    await db.close();
  });

  it('a rejected consistency level is 1100', async () => {
    const { db } = await setup();
    await expect(db.count({ collection_name: 'c', consistency_level: 'strong' as never })).rejects.toMatchObject({ code: 1100 });
    await db.close();
  });
});
