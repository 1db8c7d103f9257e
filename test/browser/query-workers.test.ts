/**
 * Parallel search in Chromium: sealed segments served by query workers (nested workers of the
 * engine worker, @vesper/worker's reader-pool.ts) give the answers one engine gives alone.
 *   - equivalence: the same seeded stream of inserts, re-inserts, upserts, deletes (by key and
 *     by filter), flushes and a compaction into `opfs://` with queryWorkers 3 and with 0; after
 *     every round search (filter, offset, nq = 2, grouping, range), query, count, get and
 *     hybrid search agree, with the query workers answering for the sealed segments;
 *   - the query workers really hold the sealed segments (stats), opfs:// and idb://;
 *   - a query worker ended mid-stream (terminated, closed, uncaught error) loses no answer:
 *     every search in flight answers right or fails with a retriable coded error, and the
 *     pool starts a new worker;
 *   - a cancelled search rejects with CANCELLED and the query workers keep serving;
 *   - where query workers cannot start (no nested workers), the engine answers alone;
 *   - closing (or terminating) the database ends the query workers; a reload answers the same.
 * Seeded (VESPER_SEED); the seed is in every title and failure message.
 */
import { describe, expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { DataType, Random, VesperError } from '@vesper/core';
import { openDatabase, openStorage, type BrowserDatabase } from '../../packages/browser/src/index.ts';
import { QUERY_WORKER_STATS, REPLICA_SYNC, type WorkerMethod, type WorkerRequest, type WorkerResponse } from '../../packages/worker/src/index.ts';
import { createEngineApi } from '../../packages/worker/src/serve.ts';
import { browserSeed, freshName } from './browser-helpers.ts';

const seed = browserSeed();
const DIM = 8;
const GROUPS = ['a', 'b', 'c', 'd'];

const schema = {
  collection_name: 'r',
  shards_num: 2,
  enable_dynamic_field: true,
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    { name: 'g', data_type: DataType.VarChar, max_length: 8 },
    { name: 'n', data_type: DataType.Int32 },
    { name: 'j', data_type: DataType.JSON, nullable: true },
  ],
  index_params: [{ field_name: 'v', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } }],
};
const strong = { collection_name: 'r', consistency_level: 'Strong' as const };

/** Resolves once every vector index build of collection r has finished. */
async function indexed(db: BrowserDatabase): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const d = (await db.describeIndex({ collection_name: 'r' })).index_descriptions[0]!;
    if (d.state === 'Finished' && Number(d.pending_index_rows ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`seed ${seed}: index build did not finish`);
}

/**
 * Resolves once the query workers answer for collection r (they load in the background
 * while the engine answers alone): a count goes through them.
 */
async function served(db: BrowserDatabase): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const before = (await db.queryWorkerStats()).reads;
    await db.count(strong);
    if ((await db.queryWorkerStats()).reads > before) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`seed ${seed}: the query workers never answered (${JSON.stringify(await db.queryWorkerStats())})`);
}

/** Names of the Web Locks live query workers of url hold (one each). */
async function readerLocks(url: string): Promise<number> {
  const { held = [] } = await navigator.locks.query();
  return held.filter((l) => l.name?.startsWith(`vesper-reader:${url}:`)).length;
}

async function until(what: string, test: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`seed ${seed}: ${what} did not happen`);
}

describe(`query workers hold and search the sealed segments (seed ${seed})`, () => {
  for (const scheme of ['opfs', 'idb'] as const) {
    it(`${scheme}:// spreads sealed segments over the workers and ends them on close`, async () => {
      const url = `${scheme}://${freshName('qw-stats')}`;
      const db = await openDatabase(url, { kernels: kernelsUrl, queryWorkers: 2 });
      await db.createCollection(schema);
      const rng = new Random(seed);
      for (let b = 0; b < 3; b++) {
        await db.insert({ collection_name: 'r', data: Array.from({ length: 100 }, (_, i) => ({ id: b * 100 + i, v: Array.from({ length: DIM }, () => rng.gaussian()), g: rng.pick(GROUPS), n: i, j: null })) });
        await db.flush({ collection_names: ['r'] });
      }
      await indexed(db);
      await served(db);
      const stats = await db.queryWorkerStats();
      expect(stats, `seed ${seed}`).toMatchObject({ workers: 2, enabled: true, ended: 0 });
      expect(stats.perWorker).toHaveLength(2);
      const held = stats.perWorker.map((w) => w!.segments);
      expect(held.every((n) => n > 0), `seed ${seed}: ${JSON.stringify(stats)}`).toBe(true);
      expect(stats.perWorker.reduce((n, w) => n + w!.rows, 0)).toBe(300);
      expect(await readerLocks(url)).toBe(2);
      // a search through them answers
      const res = await db.search({ ...strong, data: Array.from({ length: DIM }, () => 0), limit: 5 });
      expect(res.results).toHaveLength(5);
      await db.close();
      await until('the query workers ending', async () => (await readerLocks(url)) === 0);
    });
  }

  it('memory:// and queryWorkers: 0 run without query workers; a bad count is refused', async () => {
    const mem = await openDatabase('memory://', { queryWorkers: 4 });
    expect(await mem.queryWorkerStats()).toMatchObject({ workers: 0, enabled: false });
    await mem.close();
    const url = `opfs://${freshName('qw-none')}`;
    const none = await openDatabase(url, { queryWorkers: 0 });
    expect(await none.queryWorkerStats()).toMatchObject({ workers: 0, enabled: false });
    expect(await readerLocks(url)).toBe(0);
    await none.close();
    for (const bad of [-1, 1.5, 1000]) {
      await expect(openDatabase(`opfs://${freshName('qw-bad')}`, { queryWorkers: bad })).rejects.toMatchObject({ error: 'PARAMETER_INVALID' });
    }
    // the default: at least one
    const dflt = await openDatabase(`opfs://${freshName('qw-default')}`);
    expect((await dflt.queryWorkerStats()).workers).toBe(Math.max(1, (navigator.hardwareConcurrency || 2) - 1));
    await dflt.close();
  });

  it('when query workers cannot start, the engine answers alone and the pool turns itself off', async () => {
    // the engine on this page, with a spawner that fails as in a browser without nested workers
    const errors: unknown[] = [];
    const api = createEngineApi({
      openStorage,
      engine: { onBackgroundError: (e) => errors.push(e) },
      spawnQueryWorker: () => {
        throw new Error('Worker is not defined');
      },
    });
    const call = async <M extends WorkerMethod>(method: M, req: WorkerRequest<M>): Promise<WorkerResponse<M>> => {
      const out = await api.handle(method, req);
      if (out instanceof VesperError) throw out;
      return out;
    };
    // control calls answer only once open; a name neither map knows, a replica call on a database: coded, nothing run
    await expect(call(QUERY_WORKER_STATS, {})).rejects.toMatchObject({ error: 'SERVICE_NOT_READY' });
    const kernels = new URL(kernelsUrl, location.href).href;
    expect(await api.open({ url: `opfs://${freshName('qw-nostart')}`, kernels, queryWorkers: 2 })).toBeUndefined();
    await expect(call(REPLICA_SYNC, {})).rejects.toMatchObject({ error: 'PARAMETER_INVALID', message: expect.stringContaining('$replicaSync') });
    for (const unknown of ['$noSuchCall', 'constructor', 'toString']) {
      await expect(call(unknown as WorkerMethod, {} as never)).rejects.toMatchObject({ error: 'UNIMPLEMENTED' });
    }
    await call('createCollection', schema);
    await call('insert', { collection_name: 'r', data: Array.from({ length: 100 }, (_, i) => ({ id: i, v: Array.from({ length: DIM }, () => i), g: 'a', n: i, j: null })) });
    await call('flush', { collection_names: ['r'] });
    await until('the pool turning itself off', async () => {
      expect(await call('query', { ...strong, output_fields: ['count(*)'] })).toMatchObject({ data: [{ 'count(*)': 100 }] });
      return !(await call(QUERY_WORKER_STATS, {})).enabled;
    });
    expect(await call('query', { ...strong, output_fields: ['count(*)'] })).toMatchObject({ data: [{ 'count(*)': 100 }] });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e instanceof VesperError && e.error === 'SERVICE_UNAVAILABLE'), String(errors)).toBe(true);
    expect(await api.close()).toBeUndefined();
  });

  it('terminating the engine worker ends its query workers', async () => {
    const url = `opfs://${freshName('qw-term')}`;
    const db = await openDatabase(url, { queryWorkers: 2 });
    await until('the query workers starting', async () => (await readerLocks(url)) === 2);
    db.terminate();
    await until('the query workers ending', async () => (await readerLocks(url)) === 0);
    await expect(db.count(strong)).rejects.toBeInstanceOf(VesperError);
  });
});

/** A database answer without what differs between two engines (their clocks). */
function strip(r: unknown): unknown {
  return r && typeof r === 'object' ? { ...(r as object), session_ts: undefined, timestamp: undefined } : r;
}

describe(`query workers = one engine (seed ${seed})`, () => {
  it('agrees after every round of writes, flushes and a compaction, and after a reload', async () => {
    const urls = { split: `opfs://${freshName('qw-split')}`, plain: `opfs://${freshName('qw-plain')}` };
    let split = await openDatabase(urls.split, { kernels: kernelsUrl, queryWorkers: 3 });
    let plain = await openDatabase(urls.plain, { kernels: kernelsUrl, queryWorkers: 0 });
    const both = async (f: (db: BrowserDatabase) => Promise<unknown>) => {
      const [a, b] = await Promise.all([f(plain), f(split)]);
      return [strip(a), strip(b)] as const;
    };
    for (const db of [plain, split]) await db.createCollection(schema);
    const rng = new Random(seed);
    const vec = () => Array.from({ length: DIM }, () => Math.fround(rng.gaussian()));
    let next = 0;
    let flushed = false;
    let readerAnswers = 0;
    /** Every read of the round, on both engines; returns them for the reload check. */
    const compare = async (ctx: string, q: number[][]): Promise<unknown[]> => {
      const answers: unknown[] = [];
      const check = async (what: unknown, f: (db: BrowserDatabase) => Promise<unknown>) => {
        const [a, b] = await both(f);
        expect(b, `${ctx} ${JSON.stringify(what).slice(0, 100)}`).toEqual(a);
        answers.push(a);
      };
      const searches = [
        { data: q[0], limit: 7, filter: 'n > 10', output_fields: ['g', 'n', 'j', 'extra'] },
        { data: q, limit: 5, offset: 3, output_fields: ['*'] },
        { data: q[1], limit: 10, group_by_field: 'g', group_size: 2, output_fields: ['g'] },
        { data: q[0], limit: 20, params: { radius: 12, range_filter: 2 } },
      ];
      for (const s of searches) await check(s, (db) => db.search({ ...strong, ...s }));
      const queries = [
        { filter: 'n < 25', limit: 30, offset: 4, output_fields: ['n', 'g', 'j', 'extra'] },
        { filter: 'g in ["a", "c"]', output_fields: ['count(*)'] },
        { output_fields: ['count(*)'] },
        { filter: 'j["k"] >= 2', limit: 50, output_fields: ['j'] },
      ];
      for (const qr of queries) await check(qr, (db) => db.query({ ...strong, ...qr }));
      await check('count', (db) => db.count(strong));
      await check('get', (db) => db.get({ ...strong, ids: [0, 1, 2, 3, 5, 8, 13, 21, 34, 55], output_fields: ['v', 'n', 'g'] }));
      const hybrid = {
        ...strong,
        data: [
          { anns_field: 'v', data: q[0], limit: 15 },
          { anns_field: 'v', data: q[1], limit: 15, filter: 'n >= 20' },
        ],
        rerank: { strategy: 'rrf' as const },
        limit: 8,
        output_fields: ['n'],
      };
      await check('hybrid', (db) => db.hybridSearch(hybrid));
      return answers;
    };

    let last: { q: number[][]; answers: unknown[] } | undefined;
    for (let round = 0; round < 8; round++) {
      const rows = Array.from({ length: 60 }, () => {
        const id = rng.next() < 0.25 && next > 0 ? rng.int(next) : next++;
        return { id, v: vec(), g: rng.pick(GROUPS), n: rng.int(50), j: rng.bool(0.2) ? null : { k: rng.int(5) }, extra: rng.int(5) };
      });
      await both((db) => db.insert({ collection_name: 'r', data: rows }));
      const up = Array.from({ length: 10 }, () => ({ id: rng.int(next), v: vec(), g: rng.pick(GROUPS), n: rng.int(50), j: { k: rng.int(5) } }));
      await both((db) => db.upsert({ collection_name: 'r', data: [...new Map(up.map((r) => [r.id, r])).values()] }));
      const gone = Array.from({ length: 5 }, () => rng.int(next));
      await both((db) => db.delete({ collection_name: 'r', ids: gone }));
      const cut = rng.int(50);
      await both((db) => db.delete({ collection_name: 'r', filter: `n == ${cut}` }));
      if (round % 2 === 1) {
        await both((db) => db.flush({ collection_names: ['r'] }));
        flushed = true;
      }
      if (round === 5) {
        // compaction runs in the background: wait for it (and then for the new segment's index)
        await Promise.all(
          [plain, split].map(async (db) => {
            const { compactionID } = await db.compact({ collection_name: 'r' });
            await until('the compaction', async () => (await db.getCompactionState({ compactionID })).state === 'Completed');
          }),
        );
      }
      // Same index state on both sides (HNSW answers depend on it), and the readers serving.
      await Promise.all([indexed(plain), indexed(split)]);
      if (flushed) await served(split);
      const before = (await split.queryWorkerStats()).reads;
      const q = [vec(), vec()];
      last = { q, answers: await compare(`seed ${seed}, round ${round}`, q) };
      readerAnswers += (await split.queryWorkerStats()).reads - before;
    }
    const stats = await split.queryWorkerStats();
    expect(stats.perWorker.reduce((n, w) => n + (w?.segments ?? 0), 0), `seed ${seed}: ${JSON.stringify(stats)}`).toBeGreaterThan(1);
    expect(readerAnswers, `seed ${seed}: reads answered through the query workers`).toBeGreaterThan(20);
    expect(stats.ended).toBe(0);

    // a reload (new engine worker, new query workers) answers the same
    await Promise.all([split.close(), plain.close()]);
    split = await openDatabase(urls.split, { kernels: kernelsUrl, queryWorkers: 3 });
    plain = await openDatabase(urls.plain, { kernels: kernelsUrl, queryWorkers: 0 });
    await Promise.all([indexed(plain), indexed(split)]);
    await served(split);
    const again = await compare(`seed ${seed}, after reload`, last!.q);
    expect(again, `seed ${seed}, reload`).toEqual(last!.answers);
    await Promise.all([split.close(), plain.close()]);
  });
});

describe(`a query worker that ends mid-stream loses no answer (seed ${seed})`, () => {
  const ways = [
    { how: 'terminate', title: 'terminated by the engine' },
    { how: 'close', title: 'closing itself' },
    { how: 'throw', title: 'throwing an uncaught error' },
    // certainly mid-call: every call it had is run again on a fresh worker
    { how: 'in-flight', times: 1, title: 'terminated with a search in flight', retried: true },
    // and that one ends too: the call fails with a retriable code, nothing else does
    { how: 'in-flight', times: 2, title: 'terminated twice under the same search', retried: true, failed: true },
  ] as const;
  for (const way of ways) {
    const { how, title } = way;
    it(`query worker ${title}`, async () => {
      let engine: Worker | undefined;
      const url = `opfs://${freshName('qw-fault')}`;
      const start = () => (engine = new Worker(new URL('./query-fault-worker.ts', import.meta.url), { type: 'module', name: 'test engine' }));
      const db = await openDatabase(url, { kernels: kernelsUrl, queryWorkers: 2, worker: start });
      await db.createCollection(schema);
      const rng = new Random(seed ^ 0xfa17);
      const vec = () => Array.from({ length: DIM }, () => rng.gaussian());
      for (let b = 0; b < 4; b++) {
        await db.insert({ collection_name: 'r', data: Array.from({ length: 150 }, (_, i) => ({ id: b * 150 + i, v: vec(), g: rng.pick(GROUPS), n: i % 50, j: null })) });
        await db.flush({ collection_names: ['r'] });
      }
      await db.insert({ collection_name: 'r', data: [{ id: 10_000, v: vec(), g: 'a', n: 1, j: null }] }); // a growing row too
      await indexed(db);
      await served(db);
      const qs = Array.from({ length: 12 }, vec);
      const search = (q: number[]) => db.search({ ...strong, data: q, limit: 10, filter: 'n >= 3', output_fields: ['n', 'g'] });
      const expected: unknown[] = [];
      for (const q of qs) expected.push(strip(await search(q)));

      let failed = 0;
      for (let wave = 0; wave < 5; wave++) {
        const inFlight = qs.map((q) => search(q).then((r) => ({ r }), (e: unknown) => ({ e })));
        if (wave === 1) engine!.postMessage({ tag: 'test/fault', index: 1, how, times: 'times' in way ? way.times : 1 });
        const outcomes = await Promise.all(inFlight);
        outcomes.forEach((o, i) => {
          if ('e' in o) {
            // allowed: a coded, retriable error — never a wrong or partial answer
            failed++;
            expect(o.e, `seed ${seed}, ${how}, wave ${wave}, query ${i}`).toBeInstanceOf(VesperError);
            expect(o.e as VesperError).toMatchObject({ error: 'SERVICE_UNAVAILABLE', retriable: true });
          } else {
            expect(strip(o.r), `seed ${seed}, ${how}, wave ${wave}, query ${i}`).toEqual(expected[i]);
          }
        });
      }
      await until('the pool noticing the end', async () => (await db.queryWorkerStats()).ended >= 1);
      // a fresh worker took its place and serves again
      await served(db);
      const stats = await db.queryWorkerStats();
      expect(stats.enabled).toBe(true);
      if ('retried' in way) expect(stats.retried, `seed ${seed}: ${JSON.stringify(stats)}`).toBeGreaterThan(0);
      if ('failed' in way) expect(failed, `seed ${seed}: ${JSON.stringify(stats)}`).toBeGreaterThan(0);
      else if (how === 'in-flight') expect(failed, `seed ${seed}`).toBe(0);
      expect(stats.perWorker.every((w) => w !== null && w.segments > 0), `seed ${seed}: ${JSON.stringify(stats)}`).toBe(true);
      for (const [i, q] of qs.entries()) expect(strip(await search(q)), `seed ${seed}, ${how}, after`).toEqual(expected[i]);
      console.log(`query worker ${title} (seed ${seed}): ${failed} of 60 searches failed with SERVICE_UNAVAILABLE, the rest answered right; ${stats.retried} calls retried`);
      await db.close();
      await until('the query workers ending', async () => (await readerLocks(url)) === 0);
    });
  }

  it('a cancelled search rejects with CANCELLED and the query workers keep serving', async () => {
    const db = await openDatabase(`opfs://${freshName('qw-cancel')}`, { kernels: kernelsUrl, queryWorkers: 2 });
    await db.createCollection(schema);
    const rng = new Random(seed ^ 0xca);
    await db.insert({ collection_name: 'r', data: Array.from({ length: 300 }, (_, i) => ({ id: i, v: Array.from({ length: DIM }, () => rng.gaussian()), g: 'a', n: i % 50, j: null })) });
    await db.flush({ collection_names: ['r'] });
    await indexed(db);
    await served(db);
    const q = Array.from({ length: DIM }, () => rng.gaussian());
    await expect(db.search({ ...strong, data: q, limit: 5, signal: AbortSignal.abort() })).rejects.toMatchObject({ error: 'CANCELLED' });
    const ctl = new AbortController();
    const running = db.search({ ...strong, data: q, limit: 5, signal: ctl.signal });
    ctl.abort();
    await expect(running).rejects.toMatchObject({ error: 'CANCELLED' });
    const before = (await db.queryWorkerStats()).reads;
    expect((await db.search({ ...strong, data: q, limit: 5 })).results).toHaveLength(5);
    expect((await db.queryWorkerStats()).reads).toBeGreaterThan(before);
    await db.close();
  });
});
