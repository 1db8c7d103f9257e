/**
 * Multi-tab in Chromium: one writer per database per origin (Web Locks), the other tabs
 * forwarding over BroadcastChannel, and takeover when the leader goes away. Tabs are real
 * browsing contexts — same-origin iframes (each with its own locks, channel and engine
 * worker; removing the iframe is closing the tab) — plus, for the faster cases, two
 * BrowserDatabase instances on this page (the lock and channel treat them the same).
 *
 * Oracle: every batch a writer saw acknowledged is present exactly once; a batch in flight
 * when its leader died is present whole or absent, never twice — writers retry a
 * SERVICE_UNAVAILABLE with the request_id it names, and the new leader dedupes it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DataType, Random } from '@vesper/core';
import { openDatabase, type BrowserDatabase } from '../../packages/browser/src/index.ts';
import { browserSeed, freshName, openTabFrame } from './browser-helpers.ts';
import type { TabApi } from './pages/tab-page.ts';

const seed = browserSeed();
const fields = [
  { name: 'id', data_type: DataType.Int64, is_primary_key: true },
  { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
  { name: 'batch', data_type: DataType.Int64 },
];

/** What one writer did: batch sizes, acknowledged batches, retries. */
interface Writes {
  readonly sizes: Map<number, number>;
  readonly acked: Set<number>;
  retries: number;
}

type Db = Pick<BrowserDatabase, 'insert'>;

/** Inserts `count` batches (ids and batch numbers from `base`), retrying lost ones with their request_id. */
async function writeBatches(db: () => Db, base: number, count: number, rng: Random, out: Writes, stop?: () => boolean): Promise<void> {
  for (let b = 0; b < count && stop?.() !== true; b++) {
    const batch = base + b;
    const size = rng.range(1, 25);
    const rows = Array.from({ length: size }, (_, i) => ({ id: batch * 100 + i, vector: [b, i, rng.next(), 1], batch }));
    out.sizes.set(batch, size);
    let requestId: string | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        await db().insert({ collection_name: 'c', data: rows, ...(requestId === undefined ? {} : { request_id: requestId }) });
        out.acked.add(batch);
        break;
      } catch (err) {
        const e = err as { error?: string; details?: { request_id?: string } };
        if (e.error !== 'SERVICE_UNAVAILABLE' || attempt > 5 || stop?.() === true) throw err;
        requestId = e.details?.request_id;
        expect(requestId, 'a lost write names its request_id').toBeTypeOf('string');
        out.retries++;
      }
    }
  }
}

/** Batch number → rows present. */
async function batchCounts(db: BrowserDatabase): Promise<Map<number, number>> {
  const res = await db.query({ collection_name: 'c', filter: 'id >= 0', output_fields: ['batch'], consistency_level: 'Strong' });
  const counts = new Map<number, number>();
  for (const row of res.data) counts.set(Number(row['batch']), (counts.get(Number(row['batch'])) ?? 0) + 1);
  return counts;
}

function check(counts: Map<number, number>, writers: Writes[], where: string): void {
  const sizes = new Map<number, number>();
  for (const w of writers) {
    for (const b of w.acked) expect(counts.get(b), `${where}: acknowledged batch ${b}`).toBe(w.sizes.get(b));
    for (const [b, n] of w.sizes) sizes.set(b, n);
  }
  for (const [b, n] of counts) expect(n, `${where}: batch ${b} whole and once`).toBe(sizes.get(b));
}

const frames: HTMLIFrameElement[] = [];
afterEach(() => {
  for (const f of frames.splice(0)) f.remove();
});

/** A new tab iframe (browser-helpers.ts), removed after the test. */
async function openTab(): Promise<{ frame: HTMLIFrameElement; api: TabApi }> {
  return openTabFrame((frame) => frames.push(frame));
}

describe(`multi-tab: one leader, forwarding, takeover (seed ${seed})`, () => {
  it('elects one leader; a follower forwards reads and writes; a retried write is applied once', async () => {
    const url = `opfs://${freshName('tabs')}`;
    const a = await openDatabase(url);
    const b = await openDatabase(url);
    expect([a.role, b.role]).toEqual(['leader', 'follower']);
    await b.createCollection({ collection_name: 'c', fields: fields as never });
    await a.loadCollection({ collection_name: 'c' });
    const rng = new Random(seed ^ 0x7ab);
    const wa: Writes = { sizes: new Map(), acked: new Set(), retries: 0 };
    const wb: Writes = { sizes: new Map(), acked: new Set(), retries: 0 };
    await Promise.all([writeBatches(() => a, 0, 15, rng, wa), writeBatches(() => b, 1000, 15, rng, wb)]);
    check(await batchCounts(b), [wa, wb], `seed ${seed}`);

    // the same request id twice: the second is answered from the request log
    const row = { id: 999_999, vector: [1, 1, 1, 1], batch: 9999 };
    const first = await b.insert({ collection_name: 'c', data: [row], request_id: 'retry-me' });
    const again = await b.insert({ collection_name: 'c', data: [row], request_id: 'retry-me' });
    expect(again.timestamp).toBe(first.timestamp);
    expect((await b.count({ collection_name: 'c', filter: 'batch == 9999', consistency_level: 'Strong' })).data).toBe(1);
    expect((await b.query({ collection_name: 'c', filter: 'batch == 9999', output_fields: ['id'], consistency_level: 'Strong' })).data).toHaveLength(1);
    await b.close();
    await a.close();
  });

  it('a follower takes over when the leader is terminated mid-stream; no acknowledged write lost', async () => {
    const url = `opfs://${freshName('takeover')}`;
    const a = await openDatabase(url);
    const b = await openDatabase(url);
    await a.createCollection({ collection_name: 'c', fields: fields as never });
    await a.loadCollection({ collection_name: 'c' });
    const rng = new Random(seed ^ 0x3c1);
    const wa: Writes = { sizes: new Map(), acked: new Set(), retries: 0 };
    const wb: Writes = { sizes: new Map(), acked: new Set(), retries: 0 };
    let aDead = false;
    const writerA = writeBatches(() => a, 0, 1000, rng, wa, () => aDead).catch((e: unknown) => {
      if ((e as { error?: string }).error !== 'SERVICE_UNAVAILABLE') throw e;
    });
    const writerB = writeBatches(() => b, 5000, 60, new Random(seed ^ 0x99), wb);
    await new Promise((r) => setTimeout(r, new Random(seed).range(50, 300)));
    aDead = true;
    a.terminate();
    await Promise.all([writerA, writerB]);
    expect(b.role).toBe('leader');
    check(await batchCounts(b), [wa, wb], `seed ${seed}`);
    console.log(`takeover seed ${seed}: A acked ${wa.acked.size}, B acked ${wb.acked.size}, B retried ${wb.retries}`);
    await b.close();
  });

  it('two iframe tabs write concurrently; closing the leader tab hands over to the other', async () => {
    const url = `opfs://${freshName('iframes')}`;
    const t1 = await openTab();
    const t2 = await openTab();
    const db1 = await t1.api.openDatabase(url);
    const db2 = await t2.api.openDatabase(url);
    expect([db1.role, db2.role]).toEqual(['leader', 'follower']);
    await db2.createCollection({ collection_name: 'c', fields: fields as never });
    await db2.loadCollection({ collection_name: 'c' });
    const w1: Writes = { sizes: new Map(), acked: new Set(), retries: 0 };
    const w2: Writes = { sizes: new Map(), acked: new Set(), retries: 0 };
    // both tabs write at once, then the leader's tab closes while both are writing
    await Promise.all([writeBatches(() => db1, 0, 10, new Random(seed ^ 1), w1), writeBatches(() => db2, 2000, 10, new Random(seed ^ 2), w2)]);
    let closed = false;
    void writeBatches(() => db1, 100, 1000, new Random(seed ^ 3), w1, () => closed).catch(() => undefined);
    const writer2 = writeBatches(() => db2, 3000, 40, new Random(seed ^ 4), w2);
    await new Promise((r) => setTimeout(r, new Random(seed ^ 5).range(50, 300)));
    closed = true;
    t1.frame.remove(); // the leader's tab goes away: its document, lock and worker with it
    await writer2;
    // writer2 may finish before the removed tab's lock is released: give the takeover time.
    for (let i = 0; i < 400 && db2.role !== 'leader'; i++) await new Promise((r) => setTimeout(r, 25));
    expect(db2.role).toBe('leader');
    const counts = await batchCounts(db2);
    check(counts, [w1, w2], `seed ${seed}`);
    console.log(`iframe takeover seed ${seed}: tab 1 acked ${w1.acked.size}, tab 2 acked ${w2.acked.size}, retried ${w2.retries}`);
    // a fresh tab joins as a follower of the new leader and sees the same data
    const t3 = await openTab();
    const db3 = await t3.api.openDatabase(url);
    expect(db3.role).toBe('follower');
    expect((await db3.count({ collection_name: 'c', consistency_level: 'Strong' })).data).toBe([...counts.values()].reduce((x, y) => x + y, 0));
    await db3.close();
    await db2.close();
  });
});
