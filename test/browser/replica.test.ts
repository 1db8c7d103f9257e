/**
 * A browser replica (`openDatabase('opfs://…', { replicaOf })`) of a collection on a real local
 * endpoint (wrangler's workerd, started in the host by the `startVesperEndpoint` command): the
 * page writes over REST, cross-origin (the Worker's CORS), and the replica in the engine worker
 * copies the collection into OPFS + IndexedDB with the worker's fetch. It answers count / query
 * / search as the endpoint does (Strong), follows writes (its poller, and `sync()`), forwards
 * its own writes to the endpoint (and refuses other server operations with UNIMPLEMENTED
 * "replica-write"), refuses options that do not apply, shares the copy with a second open of the same URL (a
 * follower: its calls run in the leader's worker; it leads when the first closes), and —
 * the endpoint stopped — keeps answering from its storage with `online: false`, queues a write
 * in IndexedDB that survives a reopen, also when opened again — and when the endpoint restarts
 * (same port, same state), the queued write lands exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { openDatabase, type BrowserReplica } from '../../packages/browser/src/index.ts';
import { Random } from '../../packages/core/src/util/random.ts';
import { browserSeed, freshName, removeOpfsDir } from './browser-helpers.ts';

const seed = browserSeed();
const rng = new Random(seed);
const DIM = 4;
const AUTH = { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' };
const name = freshName('replica');
const url = `opfs://${name}`;
let endpoint = '';

async function rest(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${endpoint}/v2/vectordb/${path}`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) });
  const reply = (await res.json()) as { code: number; message?: string; data?: unknown };
  expect(reply.code, `${path}: ${reply.message} (seed ${seed})`).toBe(0);
  return reply.data;
}

const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ id: from + i, vector: Array.from({ length: DIM }, () => rng.next() * 2 - 1), n: rng.int(10) }));
const strong = { collectionName: 'docs', consistencyLevel: 'Strong' };
const serverIds = async () => ((await rest('entities/query', { ...strong, filter: 'id >= 0', outputFields: ['id'], limit: 1000 })) as { id: number }[]).map((r) => Number(r.id)).sort((a, b) => a - b);
const localIds = async (db: BrowserReplica) => (await db.query({ collection_name: 'docs', filter: 'id >= 0', output_fields: ['id'], limit: 1000 })).data.map((r) => Number(r['id'])).sort((a, b) => a - b);

/** Files below an OPFS directory ("a/b"), recursively. */
async function opfsFiles(path: string): Promise<number> {
  let dir = await navigator.storage.getDirectory();
  for (const p of path.split('/')) dir = await dir.getDirectoryHandle(p);
  const count = async (d: FileSystemDirectoryHandle): Promise<number> => {
    let n = 0;
    for await (const h of (d as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) n += h.kind === 'file' ? 1 : await count(h as FileSystemDirectoryHandle);
    return n;
  };
  return count(dir);
}

beforeAll(async () => {
  console.log(`browser replica seed ${seed}`);
  endpoint = await commands.startVesperEndpoint();
  await rest('collections/create', { collectionName: 'docs', dimension: DIM });
  await rest('entities/insert', { collectionName: 'docs', data: rows(0, 300) });
  await rest('collections/flush', { collectionName: 'docs' });
  await rest('entities/insert', { collectionName: 'docs', data: rows(300, 340) });
  await rest('entities/delete', { collectionName: 'docs', filter: 'id in [1, 2, 305]' });
}, 240_000);

afterAll(async () => {
  await commands.stopVesperEndpoint();
  await removeOpfsDir(`vesper/${name}`);
  indexedDB.deleteDatabase(`vesper-opfs/${name}`);
});

describe(`browser replica of a local endpoint (seed ${seed})`, () => {
  it('refuses options that do not apply to a replica, naming them', async () => {
    const replicaOf = { url: endpoint, token: 'root:Milvus', collections: ['docs'] };
    await expect(openDatabase(url, { replicaOf, queryWorkers: 2, engine: {} } as never)).rejects.toMatchObject({ code: 1100, message: expect.stringContaining('queryWorkers, engine') });
    await expect(openDatabase(url, { replicaOf: { ...replicaOf, pollMs: 5 } } as never)).rejects.toMatchObject({ code: 1100, message: expect.stringContaining('pollMs') });
  });

  it('answers like the endpoint in the engine worker, follows it, forwards writes, and works offline from OPFS with a durable write queue', async () => {
    const replicaOf = { url: endpoint, token: 'root:Milvus', collections: ['docs'], pollIntervalMs: 200 };
    const db = await openDatabase(url, { kernels: kernelsUrl, replicaOf });
    // the copy is in this origin's OPFS (the engine worker's storage), not in memory
    expect(await opfsFiles(`vesper/${name}`)).toBeGreaterThan(0);
    expect(await localIds(db), `seed ${seed}`).toEqual(await serverIds());
    expect((await db.count({ collection_name: 'docs' })).data).toBe(337);
    const q = Array.from({ length: DIM }, () => rng.next() * 2 - 1);
    const server = (await rest('entities/search', { ...strong, data: [q], limit: 5, outputFields: ['id'] })) as { id: number }[];
    const local = (await db.search({ collection_name: 'docs', data: [q], limit: 5 })).results.flat() as { id: unknown }[];
    expect(local.map((r) => Number(r.id)), `seed ${seed}`).toEqual(server.map((r) => Number(r.id)));

    // a second open of the same URL (another tab, as far as locks and channels go) follows this
    // one: its calls run in the leader's worker, on the same copy
    const follower = await openDatabase(url, { kernels: kernelsUrl, replicaOf });
    expect((await follower.count({ collection_name: 'docs' })).data).toBe(337);
    expect((await follower.replicaStatus())[0]).toMatchObject({ collection: 'docs', online: true });

    // the worker's poller follows the server on its own
    await rest('entities/insert', { collectionName: 'docs', data: rows(340, 345) });
    await expect.poll(async () => (await db.count({ collection_name: 'docs' })).data, { timeout: 20_000, interval: 100 }).toBe(342);
    await rest('entities/insert', { collectionName: 'docs', data: rows(345, 350) });
    await db.sync();
    expect(await localIds(db), `seed ${seed}`).toEqual(await serverIds());
    const status = (await db.replicaStatus())[0]!;
    expect(status).toMatchObject({ online: true, collection: 'docs' });
    expect(status.bytes).toBeGreaterThan(0);

    // writes go to the endpoint (exactly once per request id); the replica shows them after a sync
    const wrote = await db.insert({ collection_name: 'docs', data: rows(350, 352) });
    expect(Number(wrote.insert_cnt)).toBe(2);
    await db.delete({ collection_name: 'docs', filter: 'id in [7]' });
    expect(await serverIds()).toContain(351);
    expect((await db.count({ collection_name: 'docs', consistency_level: 'Session' })).data).toBe(348);
    expect(await localIds(db), `seed ${seed}`).toEqual(await serverIds());
    await expect(db.flush({ collection_names: ['docs'] })).rejects.toMatchObject({ code: 10, message: expect.stringContaining('replica-write') });
    // the follower tab writes through the leader's outbox and reads the same copy
    await follower.delete({ collection_name: 'docs', filter: 'id in [8]' });
    expect((await follower.count({ collection_name: 'docs', consistency_level: 'Strong' })).data).toBe(347);
    expect((await db.count({ collection_name: 'docs' })).data).toBe(347);

    await commands.stopVesperEndpoint();
    await expect(db.sync()).rejects.toMatchObject({ code: 2 });
    expect((await db.replicaStatus())[0]!.online).toBe(false);
    expect((await db.count({ collection_name: 'docs' })).data).toBe(347);
    // offline: a write is queued in IndexedDB (acknowledged: false), never shown by reads
    const queued = (await db.insert({ collection_name: 'docs', data: rows(352, 353) })) as unknown as { queued?: boolean; acknowledged: boolean };
    expect(queued).toMatchObject({ queued: true, acknowledged: false });
    expect((await db.replicaStatus())[0]!.pendingWrites).toBe(1);
    expect((await db.count({ collection_name: 'docs' })).data).toBe(347);
    const offline = (await db.search({ collection_name: 'docs', data: [q], limit: 5 })).results.flat().map((r) => Number((r as { id: unknown }).id));
    await db.close();
    // the follower takes over: it opens the copy (and the queued write) from storage and leads
    expect((await follower.count({ collection_name: 'docs' })).data).toBe(347);
    expect((await follower.replicaStatus())[0]!.pendingWrites).toBe(1);
    await follower.close();

    const again = await openDatabase(url, { kernels: kernelsUrl, replicaOf });
    // the queued write survived the reopen, waiting for the server
    expect((await again.replicaStatus())[0]!.pendingWrites).toBe(1);
    expect((await again.count({ collection_name: 'docs' })).data).toBe(347);
    expect((await again.search({ collection_name: 'docs', data: [q], limit: 5 })).results.flat().map((r) => Number((r as { id: unknown }).id))).toEqual(offline);
    await expect(again.sync()).rejects.toMatchObject({ code: 2 });
    expect((await again.replicaStatus())[0]).toMatchObject({ online: false, collection: 'docs' });

    // the endpoint is back (same port, same state): the queued write lands, exactly once
    await commands.restartVesperEndpoint();
    await again.sync();
    expect((await again.replicaStatus())[0]).toMatchObject({ online: true, pendingWrites: 0 });
    expect(await serverIds()).toContain(352);
    expect((await serverIds()).length).toBe(348);
    expect((await again.count({ collection_name: 'docs' })).data).toBe(348);
    expect(await localIds(again), `seed ${seed}`).toEqual(await serverIds());
    await again.close();
  }, 120_000);
});
