/**
 * A browser replica killed in the middle of a sync, in Chromium against a local endpoint
 * (wrangler's workerd): the "kill the tab mid-initial-sync and mid-follow, reopen,
 * state is consistent and resumes".
 *
 * The engine worker is replica-kill-worker.ts — the shipped engine whose replica fetch reports
 * each request to the page and can hold file answers back — so the page sees how far a sync
 * got and can kill it at a seeded random point of it:
 * 1. Mid-initial-sync: the replica opens in a tab (an iframe, with its own Web Lock and
 *    worker) and the tab is closed once some of the collection's files are copied. Reopened
 *    here, the replica copies only the files it lacks (CollectionReplica keeps copied files by
 *    ETag) and answers count, query by ids and search as the endpoint does.
 * 2. Mid-follow: the synced replica's server takes inserts, deletes and a flush; during the
 *    `sync()` that brings them the worker is terminated (`db.terminate()`, as a closed tab).
 *    Reopened, the replica shows the server's state before or after the writes — nothing else —
 *    and after a sync equals the server.
 * The seed is in the title and printed (VESPER_SEED reproduces a run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { openDatabase, type BrowserReplica } from '../../packages/browser/src/index.ts';
import { Random } from '../../packages/core/src/util/random.ts';
import { fromWire, toWire, REPLICA_API_PREFIX, type ReplicaFeed } from '../../packages/core/src/replica/replica-wire.ts';
import { browserSeed, freshName, openTabFrame, removeOpfsDir } from './browser-helpers.ts';
import type { ReplicaFetchReport } from './replica-kill-worker.ts';

const seed = browserSeed();
const rng = new Random(seed);
const DIM = 8;
/** Sealed segments the collection starts with: one flush each. */
const SEGMENTS = 6;
/** Files CollectionReplica copies at once (its default `concurrency`). */
const COPIERS = 4;
/** How long the worker holds each file's answer back while a sync is to be killed (ms). */
const FILE_DELAY_MS = 40;
const FOLLOW_TRIALS = 4;
const AUTH = { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' };
/** Unique per run: the endpoint keeps its state across this run's suites. */
const collection = `kill_${Date.now().toString(36)}_${rng.int(1e6)}`;
const name = freshName('replica-kill');
const url = `opfs://${name}`;
const WORKER_URL = new URL('./replica-kill-worker.ts', import.meta.url).href;
let endpoint = '';
let nextId = 0;

async function rest(path: string, body: Record<string, unknown>): Promise<unknown> {
  const res = await fetch(`${endpoint}/v2/vectordb/${path}`, { method: 'POST', headers: AUTH, body: JSON.stringify({ collectionName: collection, ...body }) });
  const reply = (await res.json()) as { code: number; message?: string; data?: unknown };
  expect(reply.code, `${path}: ${reply.message} (seed ${seed})`).toBe(0);
  return reply.data;
}

const vector = () => Array.from({ length: DIM }, () => rng.next() * 2 - 1);
/** `n` new rows, ids continuing the run's sequence. */
const rows = (n: number) => Array.from({ length: n }, () => ({ id: nextId++, vector: vector(), n: rng.int(10) }));
const strong = { consistencyLevel: 'Strong' };
const ALL = 'id >= 0';
const LIMIT = 5000;
/** The query vector every comparison searches with. */
const probe = Array.from({ length: DIM }, () => rng.next() * 2 - 1);

/** What a reader sees: ids (sorted), count, the probe's top-10 ids. */
interface Snapshot {
  readonly ids: number[];
  readonly count: number;
  readonly top: number[];
}

async function serverSnapshot(): Promise<Snapshot> {
  const ids = ((await rest('entities/query', { ...strong, filter: ALL, outputFields: ['id'], limit: LIMIT })) as { id: number }[]).map((r) => Number(r.id)).sort((a, b) => a - b);
  const counted = (await rest('entities/query', { ...strong, filter: '', outputFields: ['count(*)'] })) as { 'count(*)': string | number }[];
  const top = ((await rest('entities/search', { ...strong, data: [probe], limit: 10, outputFields: ['id'] })) as { id: number }[]).map((r) => Number(r.id));
  return { ids, count: Number(counted[0]!['count(*)']), top };
}

async function localSnapshot(db: BrowserReplica): Promise<Snapshot> {
  const ids = (await db.query({ collection_name: collection, filter: ALL, output_fields: ['id'], limit: LIMIT })).data.map((r) => Number(r['id'])).sort((a, b) => a - b);
  const count = (await db.count({ collection_name: collection })).data;
  const top = (await db.search({ collection_name: collection, data: [probe], limit: 10 })).results.flat().map((r) => Number((r as { id: unknown }).id));
  return { ids, count, top };
}

/** The `n` values of some ids, here and on the server: a query by ids must agree on the rows, not only on which exist. */
async function sameRowsByIds(db: BrowserReplica, ids: number[], where: string): Promise<void> {
  const filter = `id in [${ids.join(', ')}]`;
  const server = ((await rest('entities/query', { ...strong, filter, outputFields: ['id', 'n'], limit: LIMIT })) as { id: number; n: number }[]).map((r) => [Number(r.id), Number(r.n)]);
  const local = (await db.query({ collection_name: collection, filter, output_fields: ['id', 'n'], limit: LIMIT })).data.map((r) => [Number(r['id']), Number(r['n'])]);
  const byId = (a: number[], b: number[]) => a[0]! - b[0]!;
  expect(local.sort(byId), `${where}: rows by id`).toEqual(server.sort(byId));
}

/**
 * Waits until the server has indexed every flushed row: an index is built after the flush, in
 * the background, and adds files — the file count a test reasons about must be the final one.
 */
async function indexesBuilt(): Promise<void> {
  const names = (await rest('indexes/list', {})) as string[];
  for (let i = 0; ; i++) {
    const states = await Promise.all(names.map(async (indexName) => ((await rest('indexes/describe', { indexName })) as { indexState: string; pendingRows: number }[])[0]!));
    if (states.every((s) => s.indexState === 'Finished' && s.pendingRows === 0)) return;
    if (i > 600) throw new Error(`indexes of ${collection} never finished building (seed ${seed}): ${JSON.stringify(states)}`);
    await sleep(100);
  }
}

/** The collection's files on the server now, as a replica's describe lists them. */
async function serverFiles(): Promise<{ keys: Set<string>; count: number; bytes: number }> {
  const res = await fetch(`${endpoint}${REPLICA_API_PREFIX}describe`, { method: 'POST', headers: AUTH, body: toWire({ dbName: 'default', collectionName: collection }) });
  const feed = (fromWire(await res.text()) as { data: ReplicaFeed }).data;
  const files = feed.shards.flatMap((s) => s.files);
  return { keys: new Set(files.map((f) => f.key)), count: files.length, bytes: files.reduce((n, f) => n + f.size, 0) };
}

/** A replica-kill-worker.ts engine worker started in `realm` (whose closing ends it), and the fetches it reports. */
function startWorker(realm: Window = window): { worker: Worker; reports: ReplicaFetchReport[]; setDelay(ms: number): void } {
  const Ctor = (realm as unknown as typeof globalThis).Worker;
  const worker = new Ctor(WORKER_URL, { type: 'module', name: 'replica-kill engine' });
  const reports: ReplicaFetchReport[] = [];
  worker.addEventListener('message', (event: MessageEvent) => {
    const m = event.data as Partial<ReplicaFetchReport> | null;
    if (m?.tag === 'test/replica-fetch') reports.push(m as ReplicaFetchReport);
  });
  return { worker, reports, setDelay: (ms) => worker.postMessage({ tag: 'test/replica-delay', ms }) };
}

const fileStarts = (reports: readonly ReplicaFetchReport[], from = 0) => reports.slice(from).filter((r) => r.phase === 'start' && r.what.startsWith('file ')).length;
/** The reports as one line; `short` leaves out the file keys. */
const seenOf = (reports: readonly ReplicaFetchReport[], short = false) => reports.map((r) => `${short ? r.what.split(' ')[0] : r.what}:${r.phase}`).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds (polling every few ms); `what` says what was awaited and what was seen. */
async function until(check: () => boolean, what: () => string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()} (seed ${seed})`);
    await sleep(2);
  }
}

/** Waits until no context holds the replica's leader lock (a closed tab's goes with its document). */
async function leaderGone(): Promise<void> {
  const lock = `vesper-leader:${url}`;
  for (let i = 0; i < 2000; i++) {
    const { held = [] } = await navigator.locks.query();
    if (!held.some((l) => l.name === lock)) return;
    await sleep(10);
  }
  throw new Error(`the leader lock of ${url} was never released (seed ${seed})`);
}

const replicaOf = () => ({ url: endpoint, token: 'root:Milvus', collections: [collection] });

/** Opens the replica in this page on a fresh reporting worker. */
async function openHere(): Promise<{ db: BrowserReplica; reports: ReplicaFetchReport[]; setDelay(ms: number): void }> {
  const w = startWorker();
  const db = await openDatabase(url, { kernels: kernelsUrl, replicaOf: replicaOf(), worker: () => w.worker });
  return { db, reports: w.reports, setDelay: w.setDelay };
}

let replica: Awaited<ReturnType<typeof openHere>> | undefined;
const frames: HTMLIFrameElement[] = [];

beforeAll(async () => {
  console.log(`replica kill seed ${seed}`);
  endpoint = await commands.startVesperEndpoint();
  await rest('collections/create', { dimension: DIM });
  for (let s = 0; s < SEGMENTS; s++) {
    await rest('entities/insert', { data: rows(rng.range(40, 80)) });
    if (s > 0) await rest('entities/delete', { filter: `id in [${[rng.int(nextId), rng.int(nextId)].join(', ')}]` });
    await rest('collections/flush', {});
  }
  // and a growing tail: rows and a delete not flushed yet
  await rest('entities/insert', { data: rows(30) });
  await rest('entities/delete', { filter: `id in [${nextId - 1}, ${rng.int(nextId)}]` });
  await indexesBuilt();
}, 240_000);

afterAll(async () => {
  for (const f of frames.splice(0)) f.remove();
  await replica?.db.close().catch(() => undefined);
  await commands.stopVesperEndpoint();
  await removeOpfsDir(`vesper/${name}`);
  indexedDB.deleteDatabase(`vesper-opfs/${name}`);
});

describe(`browser replica killed mid-sync (seed ${seed})`, () => {
  it('a tab closed mid-initial-sync: reopened, the replica copies only the files it lacks and answers as the endpoint', async () => {
    const files = await serverFiles();
    expect(files.count, `seed ${seed}: enough files to stop between`).toBeGreaterThan(COPIERS + 1);
    // close the tab once K files are certainly copied: a copier starts its next file only after
    // the last one is stored with its ETag, so S starts mean at least S - COPIERS files held
    const held = rng.range(1, files.count - COPIERS);
    const tab = await openTabFrame((f) => frames.push(f));
    const w = startWorker(tab.frame.contentWindow!);
    w.setDelay(FILE_DELAY_MS);
    const started = Date.now();
    // settles only if the sync ends before the tab goes away under it: a failure says why
    let ended: string | undefined;
    void tab.api.openDatabase(url, { kernels: kernelsUrl, replicaOf: replicaOf(), worker: () => w.worker }).then(
      () => (ended = 'opened'),
      (e: unknown) => (ended = String(e)),
    );
    await until(() => fileStarts(w.reports) >= held + COPIERS || ended !== undefined, () => `${held + COPIERS} file fetches, saw ${seenOf(w.reports)}`);
    expect(ended, `seed ${seed}: the initial sync ended before the kill (${seenOf(w.reports)})`).toBeUndefined();
    tab.frame.remove();
    const starts = fileStarts(w.reports);
    const killedAfterMs = Date.now() - started;
    expect(starts, `seed ${seed}: killed before every file was asked for`).toBeLessThanOrEqual(files.count);
    await leaderGone();

    const t0 = Date.now();
    replica = await openHere();
    const refetched = fileStarts(replica.reports);
    console.log(
      `replica kill seed ${seed}: initial sync of ${files.count} files (${files.bytes} bytes) killed after ${killedAfterMs} ms at ${starts} file fetches ` +
        `(>= ${starts - COPIERS} held); the reopen fetched ${refetched} files in ${Date.now() - t0} ms`,
    );
    // resumed: the held files are not fetched again
    expect(refetched, `seed ${seed}: files fetched again after the kill`).toBeLessThanOrEqual(files.count - (starts - COPIERS));
    const status = (await replica.db.replicaStatus())[0]!;
    expect(status).toMatchObject({ collection, online: true });
    expect(status.bytes, `seed ${seed}: bytes held`).toBeGreaterThanOrEqual(files.bytes);

    const server = await serverSnapshot();
    const where = `seed ${seed}, after the initial sync resumed`;
    expect(await localSnapshot(replica.db), where).toEqual(server);
    await sameRowsByIds(replica.db, rng.shuffle([...server.ids]).slice(0, 20).concat([nextId + 7]), where);
  }, 240_000);

  it('a worker terminated mid-follow: reopened, the replica is at the state before or after the writes, and after a sync equals the server', async () => {
    expect(replica, 'the first test left a synced replica').toBeDefined();
    for (let trial = 0; trial < FOLLOW_TRIALS; trial++) {
      const where = `seed ${seed}, follow trial ${trial}`;
      const before = await serverSnapshot();
      const beforeFiles = (await serverFiles()).keys;
      expect(await localSnapshot(replica!.db), `${where}: synced before the writes`).toEqual(before);
      // the server moves on: new rows sealed by a flush (new files), deletes, and a growing tail
      await rest('entities/insert', { data: rows(rng.range(30, 60)) });
      await rest('entities/delete', { filter: `id in [${rng.shuffle([...before.ids]).slice(0, rng.range(1, 8)).join(', ')}]` });
      await rest('collections/flush', {});
      await rest('entities/insert', { data: rows(rng.range(1, 20)) });
      await rest('entities/delete', { filter: `id in [${nextId - 1}]` });
      await indexesBuilt();
      const after = await serverSnapshot();
      const newFiles = [...(await serverFiles()).keys].filter((k) => !beforeFiles.has(k)).length;

      // kill after a random number of the sync's reports (the feed's two, each new file's two,
      // or — the two last draws — once the sync is done), a random few ms later: mostly while
      // files are being copied, sometimes before the feed or after the commit
      const { db, reports, setDelay } = replica!;
      setDelay(FILE_DELAY_MS);
      const from = reports.length;
      const afterReports = rng.range(1, 2 + 2 * newFiles + 2);
      const extraMs = rng.range(0, FILE_DELAY_MS);
      let settled: string | undefined;
      const syncing = db.sync().then(
        () => (settled = 'synced'),
        (e: unknown) => (settled = `failed ${(e as { code?: number }).code}`),
      );
      await until(() => reports.length - from >= afterReports || settled !== undefined, () => `the sync to progress, saw ${seenOf(reports.slice(from))}`);
      await sleep(extraMs);
      const starts = fileStarts(reports, from);
      db.terminate();
      await syncing;
      expect(settled === 'synced' || settled === 'failed 2', `${where}: the sync ends synced or SERVICE_UNAVAILABLE, got ${settled}`).toBe(true);
      await leaderGone();

      replica = await openHere();
      expect(fileStarts(replica.reports), `${where}: a reopen with local state reads it, it does not sync`).toBe(0);
      const reopened = await localSnapshot(replica.db);
      const state = reopened.ids.join() === after.ids.join() ? 'new' : 'old';
      console.log(`replica kill seed ${seed} follow trial ${trial}: ${newFiles} new files; killed after ${reports.length - from} reports (${seenOf(reports.slice(from), true)}) +${extraMs} ms, sync ${settled ?? 'pending'}; reopened at the ${state} state`);
      // the state before the writes or after them, whole: never a mix, never one the server did not have
      expect([before.count, after.count], `${where}: count at reopen`).toContain(reopened.count);
      expect(reopened, `${where}: reopened state`).toEqual(state === 'new' ? after : before);
      if (settled === 'synced') expect(reopened, `${where}: a finished sync is kept`).toEqual(after);

      await replica.db.sync();
      // resumed: files the killed sync held are not fetched again
      expect(fileStarts(replica.reports), `${where}: files fetched after the reopen`).toBeLessThanOrEqual(newFiles - Math.max(0, starts - COPIERS));
      expect(await localSnapshot(replica.db), `${where}: synced after the reopen`).toEqual(await serverSnapshot());
      await sameRowsByIds(replica.db, rng.shuffle([...after.ids]).slice(0, 20), where);
    }
  }, 300_000);
});
