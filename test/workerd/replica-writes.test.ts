/**
 * Writes through a local replica, in workerd against the real Worker and DOs: insert, upsert
 * and delete are forwarded (`POST /v2/vesper/replica/write`) exactly once per request id.
 * - online: the server's answer comes back; a Session read on the replica then sees the write
 *   (it syncs up to the write's timestamp), an Eventually read before a sync does not;
 * - a lost answer (the server applied the write, the reply never arrived) leaves the write
 *   queued; the resend under the same id is answered from the shard leaders' record: applied
 *   once, the same auto ids;
 * - offline: writes are queued durably and in order, survive a reopen, land exactly once on
 *   the next sync; one the server refuses is reported (onWriteRejected, rejectedWrites) and the
 *   ones behind it still land; `offlineWrites: 'reject'` fails them instead;
 * - privileges: a token with Search only cannot write (1401), nothing changes.
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage, getIndexFactory, initKernels, kernelsReady, openReplica, DataType, type FetchFn, type RejectedWrite, type ReplicaDatabase, type StorageSet } from '@vesper/core';
import kernelsModule from '@vesper/core/kernels.wasm';
import { Random } from '../../packages/core/src/util/random.ts';
import { databaseEngine } from '../../packages/edge/src/index.ts';
import { randomVector, workerdSeed } from './seeded.ts';

const seed = workerdSeed();
const ORIGIN = 'http://vesper.test';
const DIM = 4;
const selfFetch: FetchFn = (url, init) => exports.default.fetch(url, init as RequestInit);

/** A fetch that can be cut off, or that delivers requests but loses the replies. */
function flakyNetwork() {
  const net = { mode: 'up' as 'up' | 'down' | 'lose-replies', sent: 0 };
  const fetch: FetchFn = async (url, init) => {
    if (net.mode === 'down') throw new Error('connection refused');
    const res = await selfFetch(url, init);
    if (url.includes('/write')) net.sent++;
    if (net.mode === 'lose-replies' && url.includes('/write')) {
      await res.text();
      throw new Error('connection reset before the reply');
    }
    return res;
  };
  return { net, fetch };
}

async function setup(name: string, autoId: boolean): Promise<void> {
  const s = databaseEngine(env, 'default');
  await s.call('createCollection', {
    collection_name: name,
    shards_num: 2,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: autoId },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      { name: 'n', data_type: DataType.Int32 },
    ],
    index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
  });
}

async function serverCount(name: string, filter = ''): Promise<number> {
  const r = await databaseEngine(env, 'default').call('query', { collection_name: name, filter, output_fields: ['count(*)'], consistency_level: 'Strong' });
  return Number(r.data[0]!['count(*)']);
}

async function open(name: string, storage: StorageSet, fetch: FetchFn, extra: Record<string, unknown> = {}, token = 'root:Milvus'): Promise<ReplicaDatabase> {
  if (!kernelsReady()) await initKernels(kernelsModule);
  return openReplica({ replicaOf: { url: ORIGIN, token, collections: [name], ...extra }, storage, fetch, indexFactory: getIndexFactory });
}

describe(`writes through a local replica (seed ${seed})`, () => {
  it('forwards online writes; Session reads wait for them; a lost reply is resent and applied once', async () => {
    const rng = new Random(seed);
    const name = 'rw_online';
    await setup(name, true);
    const { net, fetch } = flakyNetwork();
    const db = await open(name, createMemoryStorage(), fetch);
    const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ v: randomVector(rng, DIM), n: from + i }));

    const first = (await db.insert({ collection_name: name, data: rows(10) })) as unknown as { insert_cnt: number | string; IDs: unknown; timestamp: string };
    expect(Number(first.insert_cnt)).toBe(10);
    expect(await serverCount(name)).toBe(10);
    // Eventually: the replica's own state (no sync since the write)
    expect((await db.count({ collection_name: name, consistency_level: 'Eventually' })).data).toBe(0);
    // Session: waits for the write's timestamp
    expect((await db.count({ collection_name: name, consistency_level: 'Session' })).data).toBe(10);
    expect(db.replicaStatus()[0]!.pendingWrites).toBe(0);

    // the server applies the write, the reply is lost: queued, resent under the same id, applied once
    net.mode = 'lose-replies';
    const lost = (await db.insert({ collection_name: name, data: rows(5, 100) })) as unknown as { queued?: boolean; request_id?: string };
    expect(lost.queued).toBe(true);
    expect(db.replicaStatus()[0]!.pendingWrites).toBe(1);
    expect(await serverCount(name)).toBe(15);
    net.mode = 'up';
    const before = net.sent;
    await db.sync();
    expect(net.sent - before).toBe(1);
    expect(db.replicaStatus()[0]!.pendingWrites).toBe(0);
    expect(await serverCount(name), `applied once (seed ${seed})`).toBe(15);
    expect(await serverCount(name, 'n >= 100')).toBe(5);
    expect((await db.count({ collection_name: name })).data).toBe(15);

    // the same request id sent twice straight to the endpoint: one write, the same answer and auto ids
    const body = JSON.stringify({ collectionName: name, method: 'insert', requestId: `same-${seed}`, request: { data: rows(3, 200) } });
    const send = async () => (await (await selfFetch(`${ORIGIN}/v2/vesper/replica/write`, { method: 'POST', headers: { Authorization: 'Bearer root:Milvus' }, body })).text());
    const a = await send();
    const b = await send();
    expect(JSON.parse(a).code).toBe(0);
    expect(b).toBe(a);
    expect(await serverCount(name, 'n >= 200')).toBe(3);
    // a caller retrying with its own request_id (a lost answer) through the replica: once
    // (request_id is not in core's InsertRequest type: the browser client's CallOptions carry it)
    const retry = { collection_name: name, data: rows(2, 300), request_id: `caller-${seed}` } as Parameters<typeof db.insert>[0];
    const r1 = await db.insert(retry);
    const r2 = await db.insert(retry);
    expect(r2.IDs).toEqual(r1.IDs);
    expect(await serverCount(name, 'n >= 300')).toBe(2);
    await expect(db.insert({ ...retry, request_id: 'no spaces allowed' } as typeof retry)).rejects.toMatchObject({ code: 1100 });

    // delete and upsert go the same way
    const del = (await db.delete({ collection_name: name, filter: 'n >= 100 and n < 103' })) as unknown as { delete_cnt: string | number };
    expect(Number(del.delete_cnt)).toBe(3);
    expect(await serverCount(name)).toBe(17);
    expect((await db.count({ collection_name: name, consistency_level: 'Session' })).data).toBe(17);
    await db.close();
  });

  it('queues offline writes durably and in order, lands them once after a reopen, reports a refused one', async () => {
    const rng = new Random(seed + 1);
    const name = 'rw_offline';
    await setup(name, false);
    const { net, fetch } = flakyNetwork();
    const storage = createMemoryStorage();
    const db = await open(name, storage, fetch);
    const row = (id: number, n: number) => ({ id, v: randomVector(rng, DIM), n });
    net.mode = 'down';
    const q1 = (await db.insert({ collection_name: name, data: [row(1, 1), row(2, 2)] })) as unknown as { queued?: boolean };
    expect(q1.queued).toBe(true);
    // a row the server refuses (wrong dimension): queued like the others, rejected on arrival
    await db.insert({ collection_name: name, data: [{ id: 3, v: [1, 2], n: 3 }] });
    await db.upsert({ collection_name: name, data: [row(1, 10)] });
    await db.delete({ collection_name: name, ids: [2] });
    expect(db.replicaStatus()[0]!.pendingWrites).toBe(4);
    expect(await serverCount(name)).toBe(0);
    // reads go on from the local copy and never show the queued writes
    expect((await db.count({ collection_name: name })).data).toBe(0);
    await expect(db.sync()).rejects.toMatchObject({ code: 2 });
    await db.close();

    // reopened from the same storage, back online: the queue is still there and lands in order
    net.mode = 'up';
    const again = await open(name, storage, fetch);
    expect(again.replicaStatus()[0]!.pendingWrites).toBe(4);
    const rejected: RejectedWrite[] = [];
    again.onWriteRejected((w) => rejected.push(w));
    await again.sync();
    expect(again.replicaStatus()[0]!.pendingWrites).toBe(0);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ method: 'insert', collection: name });
    expect(rejected[0]!.code).not.toBe(0);
    expect(again.rejectedWrites()).toEqual(rejected);
    // in order: insert 1,2 → upsert 1 (n=10) → delete 2
    const rows = await databaseEngine(env, 'default').call('query', { collection_name: name, filter: 'id > 0', output_fields: ['id', 'n'], consistency_level: 'Strong' });
    expect(rows.data.map((r) => [Number(r['id']), r['n']])).toEqual([[1, 10]]);
    expect((await again.query({ collection_name: name, filter: 'id > 0', output_fields: ['id', 'n'] })).data.map((r) => [Number(r['id']), r['n']])).toEqual([[1, 10]]);
    await again.close();

    // offlineWrites 'reject': an offline write fails and is not kept
    const strict = await open(name, createMemoryStorage(), fetch, { offlineWrites: 'reject' });
    net.mode = 'down';
    await expect(strict.insert({ collection_name: name, data: [row(7, 7)] })).rejects.toMatchObject({ code: 2 });
    expect(strict.replicaStatus()[0]!.pendingWrites).toBe(0);
    net.mode = 'up';
    await strict.sync();
    expect(await serverCount(name)).toBe(1);
    await strict.close();
    await expect(open(name, createMemoryStorage(), fetch, { offlineWrites: 'later' })).rejects.toMatchObject({ code: 1100 });
  });

  it('a token with Search only cannot write through the replica; nothing changes', async () => {
    const rng = new Random(seed + 2);
    const name = 'rw_rbac';
    await setup(name, false);
    const ok = async (path: string, body: unknown) => {
      const res = await selfFetch(`${ORIGIN}/v2/vectordb/${path}`, { method: 'POST', headers: { Authorization: 'Bearer root:Milvus' }, body: JSON.stringify(body) });
      expect((JSON.parse(await res.text()) as { code: number }).code).toBe(0);
    };
    await ok('users/create', { userName: 'rw_reader', password: 'reader-pass' });
    await ok('roles/create', { roleName: 'rw_search' });
    await ok('roles/grant_privilege', { roleName: 'rw_search', objectType: 'Collection', objectName: name, privilege: 'Search', dbName: 'default' });
    await ok('users/grant_role', { userName: 'rw_reader', roleName: 'rw_search' });
    const db = await open(name, createMemoryStorage(), selfFetch, {}, 'rw_reader:reader-pass');
    await expect(db.insert({ collection_name: name, data: [{ id: 1, v: randomVector(rng, DIM), n: 1 }] })).rejects.toMatchObject({ code: 1401 });
    expect(db.replicaStatus()[0]!.pendingWrites).toBe(0);
    expect(await serverCount(name)).toBe(0);
    // DDL is not forwarded: refused by name
    await expect(db.createCollection({ collection_name: 'x', dimension: 2 })).rejects.toMatchObject({ code: 10 });
    await db.close();
  });

  it('a forwarded write body is bounded like a REST insert: refused past the limit while it streams (1102), never buffered whole', async () => {
    const enc = new TextEncoder();
    const fill = enc.encode('1,'.repeat(1 << 19)); // 1 MiB of an id list
    let sent = 0;
    let head = true;
    const limit = 32 * 1024 * 1024;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (head) {
          head = false;
          c.enqueue(enc.encode('{"dbName":"default","collectionName":"nope","op":"delete","ids":['));
        } else if (sent < 4 * limit) {
          sent += fill.byteLength;
          c.enqueue(fill);
        } else {
          c.enqueue(enc.encode('1]}'));
          c.close();
        }
      },
    });
    const res = await exports.default.fetch(`${ORIGIN}/v2/vesper/replica/write`, { method: 'POST', headers: { Authorization: 'Bearer root:Milvus' }, body: stream, duplex: 'half' } as RequestInit);
    const json = (await res.json()) as { code: number; message: string };
    expect(json.code).toBe(1102);
    expect(json.message).toContain(`over the limit of ${limit} bytes for replica/write`);
    expect(json.message).toContain('split the batch');
    // refused while streaming, once past the limit (the size was never declared), then drained
    expect(json.message).toContain(`more than ${limit} bytes`);
    expect(sent).toBe(4 * limit);
  });
});
