/**
 * Local replicas in workerd: the replica endpoints (`/v2/vesper/replica/…`) served by the real
 * Worker, ShardLeader and QueryNode DOs and R2, and core's replica (CollectionReplica over a
 * memory store) following them through the Worker's own fetch. Test config: seals at 150
 * rows, so a collection has sealed segments in R2 and a growing tail in the leaders' WALs.
 * - the replica answers search / hybrid search / query / count / get as the server does (Strong) at the same state;
 * - writes, deletes, upserts, flush and compaction on the server, then `sync()`: equal again,
 *   the manifest versions moved and files the server compacted away are gone locally;
 * - flush on a replica is refused by name (writes are forwarded: replica-writes.test.ts);
 * - offline: sync fails with SERVICE_UNAVAILABLE, reads go on, status says offline; a replica
 *   reopened from its storage answers without the server;
 * - RBAC: no privilege → 403/1401; a Search grant on the collection is enough; the file
 *   endpoint serves only keys a current manifest names, with Range and ETag/If-None-Match;
 * - CORS for a browser replica on another origin: preflight allows Authorization, Range and
 *   If-None-Match; answers expose ETag, Vesper-Crc32, Content-Range, Content-Length.
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage, getIndexFactory, initKernels, kernelsReady, openReplica, DataType, VesperError, HttpReplicaTransport, type FetchFn, type ReplicaDatabase, type StorageSet } from '@vesper/core';
import kernelsModule from '@vesper/core/kernels.wasm';
import { Random } from '../../packages/core/src/util/random.ts';
import { databaseEngine } from '../../packages/edge/src/index.ts';
import { randomVector, workerdSeed } from './seeded.ts';

const seed = workerdSeed();
const ORIGIN = 'http://vesper.test';
const ROOT = { Authorization: 'Bearer root:Milvus' };
const selfFetch: FetchFn = (url, init) => exports.default.fetch(url, init as RequestInit);
const DIM = 8;

type Row = { id: bigint | number | string; v: number[]; n: number; tag: string };

async function setupServer(name: string, rng: Random): Promise<void> {
  const s = databaseEngine(env, 'default');
  const fields = [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    { name: 'n', data_type: DataType.Int32 },
    { name: 'tag', data_type: DataType.VarChar, max_length: 16 },
  ];
  await s.call('createCollection', { collection_name: name, shards_num: 2, fields, index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }] });
  await s.call('insert', { collection_name: name, data: rows(rng, 0, 400) });
  await s.call('flush', { collection_names: [name] });
  await s.call('insert', { collection_name: name, data: rows(rng, 400, 480) });
  await s.call('delete', { collection_name: name, filter: 'id in [3, 5, 410, 411]' });
  await s.call('upsert', { collection_name: name, data: rows(rng, 7, 9).concat(rows(rng, 420, 422)) });
}

function rows(rng: Random, from: number, to: number): Row[] {
  return Array.from({ length: to - from }, (_, i) => ({ id: from + i, v: randomVector(rng, DIM), n: rng.int(20), tag: `t${rng.int(5)}` }));
}

/** The same reads on the server (Strong) and on the replica, answers equal. */
async function compare(name: string, db: ReplicaDatabase, rng: Random): Promise<void> {
  const server = databaseEngine(env, 'default');
  const strong = { collection_name: name, consistency_level: 'Strong' };
  const local = { collection_name: name };
  const count = await server.call('query', { ...strong, output_fields: ['count(*)'] });
  expect(Number(count.data[0]!['count(*)'])).toBeGreaterThan(400);
  expect((await db.count(local)).data, `count (seed ${seed})`).toBe(Number(count.data[0]!['count(*)']));
  const q = { filter: 'n < 10 or tag == "t1"', output_fields: ['id', 'n', 'tag', 'v'], limit: 1000 };
  const sq = (await server.call('query', { ...strong, ...q })) as { data: unknown[] };
  expect((await db.query({ ...local, ...q })).data, `query (seed ${seed})`).toEqual(sq.data);
  for (let i = 0; i < 4; i++) {
    const s = { data: [randomVector(rng, DIM)], limit: 12, output_fields: ['n', 'tag'], ...(i % 2 ? { filter: 'n >= 5' } : {}) };
    const ss = (await server.call('search', { ...strong, ...s })) as { results: unknown[] };
    expect(ss.results.flat()).toHaveLength(12);
    expect((await db.search({ ...local, ...s })).results, `search ${i} (seed ${seed})`).toEqual(ss.results);
  }
  // hybrid: two sub-searches fused by RRF, with filters
  const hy = {
    search: [
      { data: [randomVector(rng, DIM)], anns_field: 'v', limit: 15, filter: 'n < 12' },
      { data: [randomVector(rng, DIM)], anns_field: 'v', limit: 15, filter: 'tag != "t2"' },
    ],
    rerank: { strategy: 'rrf', params: { k: 60 } },
    limit: 10,
    output_fields: ['n', 'tag'],
  };
  const sh = (await server.call('hybridSearch', { ...strong, ...hy })) as { results: unknown[] };
  expect(sh.results.flat()).toHaveLength(10);
  expect((await db.hybridSearch({ ...local, ...hy } as never)).results, `hybrid (seed ${seed})`).toEqual(sh.results);
  const ids = [0, 3, 7, 150, 410, 420, 470, 999];
  const sg = (await server.call('get', { ...strong, ids, output_fields: ['id', 'n', 'tag'] })) as { data: unknown[] };
  expect((await db.get({ ...local, ids, output_fields: ['id', 'n', 'tag'] })).data, `get (seed ${seed})`).toEqual(sg.data);
}

async function replicaOf(name: string, storage: StorageSet, fetch: FetchFn = selfFetch, token = 'root:Milvus', boundedStalenessMs?: number): Promise<ReplicaDatabase> {
  if (!kernelsReady()) await initKernels(kernelsModule);
  return openReplica({ replicaOf: { url: ORIGIN, token, collections: [name], ...(boundedStalenessMs === undefined ? {} : { boundedStalenessMs }) }, storage, fetch, indexFactory: getIndexFactory });
}

async function post(action: string, body: unknown, headers: Record<string, string> = ROOT) {
  const res = await exports.default.fetch(`${ORIGIN}/v2/vesper/replica/${action}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as { code: number; message?: string } };
}

describe(`local replica in workerd (seed ${seed})`, () => {
  it('copies a collection, answers like the server, follows writes, flush and compaction, works offline', async () => {
    const rng = new Random(seed);
    const name = 'rep_main';
    await setupServer(name, rng);
    const storage = createMemoryStorage();
    const db = await replicaOf(name, storage);
    const first = db.replicaStatus()[0]!;
    expect(first.online).toBe(true);
    expect(first.bytes).toBeGreaterThan(0);
    expect(BigInt(first.ts)).toBeGreaterThan(0n);
    await compare(name, db, rng);
    const countBefore = (await db.count({ collection_name: name })).data;

    // the server moves on: more rows, deletes, an upsert over sealed rows, flush, compaction
    const server = databaseEngine(env, 'default');
    await server.call('insert', { collection_name: name, data: rows(rng, 480, 700) });
    await server.call('delete', { collection_name: name, filter: 'id < 40 and n < 5' });
    await server.call('upsert', { collection_name: name, data: rows(rng, 100, 110) });
    await server.call('flush', { collection_names: [name] });
    await server.call('compact', { collection_name: name });
    await server.call('insert', { collection_name: name, data: rows(rng, 700, 720) });
    // before sync the replica still answers its old state
    expect((await db.count({ collection_name: name })).data).toBe(countBefore);
    await db.sync();
    const second = db.replicaStatus()[0]!;
    expect(BigInt(second.ts)).toBeGreaterThan(BigInt(first.ts));
    expect(second.manifestVersions.some((v, i) => v > first.manifestVersions[i]!)).toBe(true);
    await compare(name, db, rng);
    // every local segment file is one the server's current feed names (compacted-away ones are gone)
    const feed = await new HttpReplicaTransport({ url: ORIGIN, token: 'root:Milvus', fetch: selfFetch }).describe('default', name);
    const named = new Set(feed.shards.flatMap((s) => s.files.map((f) => f.key)));
    const local = (await storage.objects.list('c')).map((o) => o.key);
    expect(local.filter((k) => !named.has(k))).toEqual([]);

    // server operations other than insert/upsert/delete are refused by name (replica-writes.test.ts forwards those)
    await expect(db.flush({ collection_names: [name] })).rejects.toMatchObject({ code: 10 });
    await expect(db.search({ collection_name: name, data: [randomVector(rng, DIM)], limit: 3, snapshot_ts: '1' } as never)).rejects.toMatchObject({ code: 10 });

    // consistency: Eventually answers the local state; Strong, and Session after a server write, catch up first
    const held = (await db.count({ collection_name: name })).data;
    await server.call('insert', { collection_name: name, data: rows(rng, 800, 805) });
    expect((await db.count({ collection_name: name, consistency_level: 'Eventually' })).data).toBe(held);
    expect((await db.count({ collection_name: name, consistency_level: 'Strong' })).data).toBe(held + 5);
    await server.call('insert', { collection_name: name, data: rows(rng, 805, 808) });
    // Session: this client wrote nothing through the replica (writes go to the server), so it reads the local state
    expect((await db.count({ collection_name: name, consistency_level: 'Session' })).data).toBe(held + 5);
    expect((await db.count({ collection_name: name, consistency_level: 'Strong' })).data).toBe(held + 8);
    await server.call('delete', { collection_name: name, filter: 'id in [800, 801]' });
    expect((await db.count({ collection_name: name, consistency_level: 'Strong' })).data).toBe(held + 6);
    // Bounded: within the window the local state answers; past it, the read syncs first
    const bounded = await replicaOf(name, createMemoryStorage(), selfFetch, 'root:Milvus', 0);
    const lazy = await replicaOf(name, createMemoryStorage(), selfFetch, 'root:Milvus', 3_600_000);
    await server.call('insert', { collection_name: name, data: rows(rng, 810, 812) });
    expect((await bounded.count({ collection_name: name, consistency_level: 'Bounded' })).data).toBe(held + 8);
    expect((await lazy.count({ collection_name: name, consistency_level: 'Bounded' })).data).toBe(held + 6);
    await bounded.close();
    await lazy.close();
    await expect(replicaOf(name, createMemoryStorage(), selfFetch, 'root:Milvus', -1)).rejects.toMatchObject({ code: 1100 });
    await db.sync();
    await compare(name, db, rng); // the Strong read synced: the local state is the server's

    // offline: the endpoint is gone; sync fails retriably, reads go on
    const offline: FetchFn = () => Promise.reject(new Error('connection refused'));
    const before = await db.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id'], limit: 2000 });
    await db.close();
    const reopened = await replicaOf(name, storage, offline);
    expect((await reopened.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id'], limit: 2000 })).data).toEqual(before.data);
    const err = await reopened.sync().catch((e: unknown) => e);
    expect(VesperError.is(err, 'SERVICE_UNAVAILABLE')).toBe(true);
    expect(reopened.replicaStatus()[0]).toMatchObject({ online: false, lastError: { code: 2 } });
    expect((await reopened.count({ collection_name: name })).data).toBe(before.data.length);
    // a read that needs the server says so, with how far behind the copy is
    await expect(reopened.count({ collection_name: name, consistency_level: 'Strong' })).rejects.toMatchObject({ code: 2, message: expect.stringContaining('ms behind the server') });
    await reopened.close();
  });

  it('refuses callers without Query or Search; a Search grant is enough; serves only manifest files, by range and ETag', async () => {
    const rng = new Random(seed + 1);
    const name = 'rep_rbac';
    await setupServer(name, rng);
    const ok = async (path: string, body: unknown) => {
      const res = await exports.default.fetch(`${ORIGIN}/v2/vectordb/${path}`, { method: 'POST', headers: ROOT, body: JSON.stringify(body) });
      expect(((await res.json()) as { code: number }).code).toBe(0);
    };
    await ok('users/create', { userName: 'repl_none', password: 'none-pass' });
    await ok('users/create', { userName: 'repl_reader', password: 'reader-pass' });
    await ok('roles/create', { roleName: 'replicator' });
    await ok('roles/grant_privilege', { roleName: 'replicator', objectType: 'Collection', objectName: name, privilege: 'Search', dbName: 'default' });
    await ok('users/grant_role', { userName: 'repl_reader', roleName: 'replicator' });

    expect(await post('describe', { collectionName: name }, { Authorization: 'Bearer repl_none:none-pass' })).toMatchObject({ status: 403, json: { code: 1401 } });
    expect(await post('feed', { collectionName: name }, { Authorization: 'Bearer repl_none:none-pass' })).toMatchObject({ status: 403, json: { code: 1401 } });
    expect(await post('describe', { collectionName: name }, { Authorization: 'Bearer repl_none:wrong' })).toMatchObject({ status: 401, json: { code: 1800 } });
    expect(await post('describe', { collectionName: name, bogus: 1 })).toMatchObject({ json: { code: 1100 } });
    await expect(replicaOf(name, createMemoryStorage(), selfFetch, 'repl_none:none-pass')).rejects.toMatchObject({ code: 1401 });
    const reader = await replicaOf(name, createMemoryStorage(), selfFetch, 'repl_reader:reader-pass');
    await compare(name, reader, rng);
    await reader.close();

    const feed = await new HttpReplicaTransport({ url: ORIGIN, token: 'root:Milvus', fetch: selfFetch }).describe('default', name);
    const file = feed.shards.flatMap((s) => s.files)[0]!;
    const url = (key: string) => `${ORIGIN}/v2/vesper/replica/file?collectionName=${name}&key=${encodeURIComponent(key)}`;
    const whole = await exports.default.fetch(url(file.key), { headers: ROOT });
    expect(whole.status).toBe(200);
    const bytes = new Uint8Array(await whole.arrayBuffer());
    expect(bytes.length).toBe(file.size);
    expect(whole.headers.get('ETag')).toBe(file.etag);
    // a browser's cache would complete an interrupted download with a range under that range's checksum
    expect(whole.headers.get('Cache-Control')).toBe('no-store');
    // a browser replica reads these cross-origin (its page's origin is not the Worker's)
    expect(whole.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect((whole.headers.get('Access-Control-Expose-Headers') ?? '').split(',').map((h) => h.trim())).toEqual(expect.arrayContaining(['ETag', 'Vesper-Crc32', 'Content-Range', 'Content-Length']));
    for (const action of ['describe', 'feed', `file?collectionName=${name}&key=${encodeURIComponent(file.key)}`]) {
      const pre = await exports.default.fetch(`${ORIGIN}/v2/vesper/replica/${action}`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://page.test', 'Access-Control-Request-Method': action.startsWith('file') ? 'GET' : 'POST', 'Access-Control-Request-Headers': 'authorization, content-type, range, if-none-match' },
      });
      expect(pre.status, action).toBe(204);
      expect(pre.headers.get('Access-Control-Allow-Origin'), action).toBe('*');
      expect(pre.headers.get('Access-Control-Allow-Methods'), action).toContain(action.startsWith('file') ? 'GET' : 'POST');
      const allowed = (pre.headers.get('Access-Control-Allow-Headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
      expect(allowed, action).toEqual(expect.arrayContaining(['authorization', 'content-type', 'range', 'if-none-match']));
    }
    const part = await exports.default.fetch(url(file.key), { headers: { ...ROOT, Range: 'bytes=10-29' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('Content-Range')).toBe(`bytes 10-29/${file.size}`);
    expect(part.headers.get('Cache-Control')).toBe('no-store');
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(10, 30));
    const same = await exports.default.fetch(url(file.key), { headers: { ...ROOT, 'If-None-Match': file.etag } });
    expect(same.status).toBe(304);
    await same.arrayBuffer();
    // arbitrary bucket keys and other collections' files are not served
    for (const key of [`c${feed.info.id}/manifest/0000000000000000.json`, `c${feed.info.id}/s999999/insert.arrow`, '../secret', `c1/s1/insert.arrow`]) {
      const res = await exports.default.fetch(url(key), { headers: ROOT });
      expect([400, 404, 200], key).toContain(res.status);
      const body = (await res.json()) as { code: number };
      expect([1001, 1100], key).toContain(body.code);
    }
    const none = await exports.default.fetch(url(file.key), { headers: { Authorization: 'Bearer repl_none:none-pass' } });
    expect(none.status).toBe(403);
    await none.arrayBuffer();
  });
});
