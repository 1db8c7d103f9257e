/**
 * Issue 11 regressions on the edge, inside workerd: the REST endpoint and the distributed
 * engine (shard leaders, query nodes) answer as core does for delete counts (item 13) and
 * for the metric of an unindexed vector field (item 3) and for keys repeated inside one
 * batch (item 11: the last row wins); and a 20 MB filter is refused with a coded error
 * while the endpoint stays up (item 1; it ran workerd out of heap before): a query body is
 * refused while it is read, past 8 MiB, even without Content-Length; dynamic keys named
 * like prototype members come back from the REST renderer (item 10). Large bulk bodies are
 * admitted into an isolate a bounded number of bytes at a time (item 2: an insert holds about
 * 2.4 times its body while the Worker converts it, and an isolate has 128 MB).
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DataType, EXPR_LIMITS } from '@vesper/core';
import { databaseEngine } from '../../packages/edge/src/index.ts';
import { BodyRoom, DEFAULT_MAX_BODY_BYTES, MAX_PLAIN_BODY_BYTES } from '../../packages/edge/src/limits.ts';

type Res = Record<string, unknown>;

async function count(engine: ReturnType<typeof databaseEngine>, name: string): Promise<number> {
  const r = (await engine.call('query', { collection_name: name, output_fields: ['count(*)'], consistency_level: 'Strong' })) as { data: Res[] };
  return Number(r.data[0]!['count(*)']);
}

/** Int64 key, 2-d FLAT/L2 vector `v`, Int32 `n`, over 3 shards. */
async function createThreeShards(engine: ReturnType<typeof databaseEngine>, name: string): Promise<void> {
  await engine.call('createCollection', {
    collection_name: name,
    shards_num: 3,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 2 },
      { name: 'n', data_type: DataType.Int32 },
    ],
    index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
  });
}

describe('delete_cnt on the edge counts the rows that existed (item 13)', () => {
  it('by ids, key filter and general filter, growing and sealed, over 3 shards', async () => {
    const engine = databaseEngine(env, 'default');
    const name = 'del_count';
    await createThreeShards(engine, name);
    // 400 rows seal several segments (the test config seals at 150 rows), then a growing tail.
    const rows = Array.from({ length: 420 }, (_, i) => ({ id: i, v: [i, 0], n: i }));
    for (let i = 0; i < rows.length; i += 100) await engine.call('insert', { collection_name: name, data: rows.slice(i, i + 100) });
    const live = new Set(rows.map((r) => r.id));
    const del = async (req: Res, expected: number[]): Promise<void> => {
      const res = await engine.call('delete', { collection_name: name, ...req });
      expect(Number(res.delete_cnt), JSON.stringify(req)).toBe(expected.length);
      for (const k of expected) live.delete(k);
      expect(await count(engine, name)).toBe(live.size);
    };
    await del({ filter: 'id == -14' }, []);
    await del({ ids: [-1, 5000] }, []);
    await del({ filter: 'id in [1, 2, 200, 419, 999]' }, [1, 2, 200, 419]);
    await del({ filter: 'id in [1, 2, 200, 419]' }, []);
    await del({ ids: [3, 3, 410, 7000] }, [3, 410]);
    await del({ filter: 'n >= 415' }, [415, 416, 417, 418]);
    await del({ filter: 'n >= 415' }, []);
  });
});

describe('an unindexed field keeps the collection metric on the edge (item 3)', () => {
  it('L2 quick-setup collection, index dropped: nearest first, exact distances', async () => {
    const engine = databaseEngine(env, 'default');
    const name = 'l2_dropped';
    await engine.call('createCollection', { collection_name: name, dimension: 2, metric_type: 'L2' });
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, vector: [i, 0] }));
    await engine.call('insert', { collection_name: name, data: rows });
    await engine.call('releaseCollection', { collection_name: name });
    await engine.call('dropIndex', { collection_name: name, field_name: 'vector' });
    await engine.call('loadCollection', { collection_name: name });
    const res = (await engine.call('search', { collection_name: name, data: [[10.2, 0]], limit: 3, consistency_level: 'Strong' })) as { results: Res[][] };
    const hits = res.results[0]!.map((h) => [Number(h['id']), Number(h['score'])]);
    expect(hits.map((h) => h[0])).toEqual([10, 11, 9]);
    expect(hits[0]![1]).toBeCloseTo(0.04, 4);
  });
});

describe('a key repeated inside one batch keeps its last row on the edge (item 11)', () => {
  it('insert and upsert over 3 shards, growing and sealed: get, count and search agree', async () => {
    const engine = databaseEngine(env, 'default');
    const name = 'dup_batch';
    await createThreeShards(engine, name);
    const model = new Map<number, number>();
    let n = 0;
    for (let round = 0; round < 4; round++) {
      // 200 rows over 50 keys: every key repeats inside the batch; 200 rows also seal (150)
      const batch = Array.from({ length: 200 }, (_, i) => ({ id: (i * 7 + round) % 50, v: [i, round], n: n++ }));
      await engine.call(round % 2 === 0 ? 'insert' : 'upsert', { collection_name: name, data: batch });
      for (const r of batch) model.set(r.id, r.n);
      expect(await count(engine, name)).toBe(model.size);
      const got = (await engine.call('get', { collection_name: name, ids: [...model.keys()], output_fields: ['n'], consistency_level: 'Strong' })) as { data: Res[] };
      expect(new Map(got.data.map((r) => [Number(r['id']), r['n']]))).toEqual(model);
      const res = (await engine.call('search', { collection_name: name, data: [[0, 0]], limit: 100, output_fields: ['n'], consistency_level: 'Strong' })) as { results: Res[][] };
      const hits = res.results[0]!;
      expect(hits).toHaveLength(model.size);
      for (const h of hits) expect(h['n']).toBe(model.get(Number(h['id'])));
    }
  });
});

async function post(path: string, body: string): Promise<{ status: number; json: Res }> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, {
    method: 'POST',
    headers: { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' },
    body,
  });
  return { status: res.status, json: (await res.json()) as Res };
}

/** A body streamed in 1 MiB chunks without Content-Length; `pulled` counts what the server read. */
function chunkedBody(totalBytes: number, prefix: string, fill: string, suffix: string): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  const enc = new TextEncoder();
  const chunk = enc.encode(fill.repeat(Math.ceil((1 << 20) / fill.length)));
  let sent = 0;
  let head = true;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (head) {
        head = false;
        const p = enc.encode(prefix);
        sent += p.byteLength;
        c.enqueue(p);
      } else if (sent < totalBytes) {
        sent += chunk.byteLength;
        c.enqueue(chunk);
      } else {
        c.enqueue(enc.encode(suffix));
        c.close();
      }
    },
  });
  return { stream, pulled: () => sent };
}

async function postStream(path: string, body: ReadableStream<Uint8Array>): Promise<{ status: number; json: Res }> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, {
    method: 'POST',
    headers: { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' },
    body,
  });
  return { status: res.status, json: (await res.json()) as Res };
}

describe('a 20 MB filter is refused on the REST endpoint, which stays up (item 1)', () => {
  it('entities/query and delete refuse the body while reading it (1102); search refuses the filter (1100)', async () => {
    expect((await post('collections/create', JSON.stringify({ collectionName: 'huge_filter', dimension: 2, metricType: 'L2' }))).json['code']).toBe(0);
    const rows = Array.from({ length: 10 }, (_, i) => ({ id: i, vector: [i, 0] }));
    expect((await post('entities/insert', JSON.stringify({ collectionName: 'huge_filter', data: rows }))).json['code']).toBe(0);
    const filter = `id in [${'1,'.repeat(10_000_000)}1]`;
    for (const path of ['entities/query', 'entities/delete', 'entities/get']) {
      const r = await post(path, JSON.stringify({ collectionName: 'huge_filter', filter, outputFields: ['id'] }));
      expect(r.status, path).toBe(200);
      expect(r.json['code'], path).toBe(1102);
      expect(String(r.json['message']), path).toContain(`limit of ${MAX_PLAIN_BODY_BYTES} bytes for ${path}`);
    }
    // a search body carries vectors and has the full body limit: there the filter limit refuses it
    const s = await post('entities/search', JSON.stringify({ collectionName: 'huge_filter', filter, data: [[0, 0]], limit: 1 }));
    expect(s.json['code']).toBe(1100);
    expect(String(s.json['message'])).toContain(`limit of ${EXPR_LIMITS.maxLength}`);
    // under the body limit, over the filter limit: 1100 from the filter check
    const long = `id in [${'1,'.repeat(EXPR_LIMITS.maxLength / 2)}1]`;
    const q = await post('entities/query', JSON.stringify({ collectionName: 'huge_filter', filter: long, outputFields: ['id'] }));
    expect(q.json['code']).toBe(1100);
    const count = await post('entities/query', JSON.stringify({ collectionName: 'huge_filter', outputFields: ['count(*)'], consistencyLevel: 'Strong' }));
    expect(count.json).toEqual({ code: 0, data: [{ 'count(*)': 10 }] });
    const some = await post('entities/query', JSON.stringify({ collectionName: 'huge_filter', filter: 'id in [1, 2]', outputFields: ['id'], consistencyLevel: 'Strong' }));
    expect(some.json).toMatchObject({ code: 0, data: [{ id: 1 }, { id: 2 }] });
  });

  it('a chunked body without Content-Length is refused once past the limit, not buffered whole (1102)', async () => {
    // 24 MB of `1,` with no Content-Length: the server only learns the size by reading
    const b = chunkedBody(24 << 20, '{"collectionName":"huge_filter","filter":"id in [', '1,', '1]"}');
    const r = await postStream('entities/query', b.stream);
    expect(r.json['code']).toBe(1102);
    expect(String(r.json['message'])).toContain(`more than ${MAX_PLAIN_BODY_BYTES} bytes`);
    // the rest of the body was drained, not left on the connection: the next request is answered
    expect(b.pulled()).toBeGreaterThan(24 << 20);
    const ok = await post('entities/query', JSON.stringify({ collectionName: 'huge_filter', filter: 'id in [3]', outputFields: ['id'], consistencyLevel: 'Strong' }));
    expect(ok.json).toMatchObject({ code: 0, data: [{ id: 3 }] });
  });
});

describe('dynamic keys named like prototype members over REST (item 10)', () => {
  it('are stored and returned by outputFields ["*"]', async () => {
    expect((await post('collections/create', JSON.stringify({ collectionName: 'proto_keys', dimension: 2 }))).json['code']).toBe(0);
    const keys = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];
    const row = `{"id": 1, "vector": [0, 1], ${keys.map((k, i) => `"${k}": ${i + 10}`).join(', ')}}`;
    expect((await post('entities/insert', `{"collectionName": "proto_keys", "data": [${row}, {"id": 2, "vector": [1, 0]}]}`)).json['code']).toBe(0);
    const r = await post('entities/query', JSON.stringify({ collectionName: 'proto_keys', filter: 'id >= 0', outputFields: ['*'], consistencyLevel: 'Strong' }));
    expect(r.json['code']).toBe(0);
    const rows = r.json['data'] as Res[];
    const first = rows.find((x) => x['id'] === 1)!;
    const second = rows.find((x) => x['id'] === 2)!;
    keys.forEach((k, i) => {
      expect(Object.getOwnPropertyDescriptor(first, k)?.value, k).toBe(i + 10);
      expect(Object.hasOwn(second, k), k).toBe(false);
    });
  });
});

describe('large bodies wait for room in the isolate (item 2)', () => {
  it('BodyRoom: first in, first out within the capacity; a ticket over it goes alone; leaving the queue rejects', async () => {
    const room = new BodyRoom(100);
    const order: string[] = [];
    const a = room.take(60);
    const b = room.take(50); // 60 + 50 > 100: waits
    const c = room.take(10); // fits, but b is ahead of it
    const d = room.take(500); // over the capacity: alone, counted as the capacity
    for (const [n, t] of [['a', a], ['b', b], ['c', c], ['d', d]] as const) void t.ready.then(() => order.push(n), () => order.push(`${n}!`));
    await Promise.resolve();
    expect([a.granted, b.granted, c.granted, d.granted]).toEqual([true, false, false, false]);
    expect(room.inUse).toBe(60);
    c.release(); // leaves the queue: its ready rejects, b stays first
    a.release();
    await new Promise((r) => setTimeout(r, 0));
    expect([b.granted, d.granted]).toEqual([true, false]);
    b.release();
    b.release(); // idempotent
    await new Promise((r) => setTimeout(r, 0));
    expect(d.granted).toBe(true);
    expect(room.inUse).toBe(100);
    d.release();
    expect(room.inUse).toBe(0);
    expect(room.waiting).toBe(0);
    expect(order).toEqual(['a', 'c!', 'b', 'd']);
  });

  it('a large insert waiting behind a body of undeclared length times out with nothing written (408, 10001), then both proceed', async () => {
    expect((await post('collections/create', JSON.stringify({ collectionName: 'room_wait', dimension: 2, metricType: 'L2' }))).json['code']).toBe(0);
    // the first insert streams its body without Content-Length: it takes the isolate's whole room
    // until its last byte arrives, which the test holds back
    const enc = new TextEncoder();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let step = 0;
    const first = postStream('entities/insert', new ReadableStream<Uint8Array>({
      async pull(c) {
        if (step++ === 0) return c.enqueue(enc.encode('{"collectionName":"room_wait","data":[{"id":1,"vector":[1,0]}'));
        await held;
        c.enqueue(enc.encode(']}'));
        c.close();
      },
    }));
    await new Promise((r) => setTimeout(r, 200));
    // a 1.5 MiB insert (declared length) must wait for that room; its 0.5 s budget runs out
    const rows = Array.from({ length: 40_000 }, (_, i) => ({ id: 100 + i, vector: [i, 0] }));
    const big = JSON.stringify({ collectionName: 'room_wait', data: rows });
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const res = await exports.default.fetch('http://vesper.test/v2/vectordb/entities/insert', {
      method: 'POST',
      headers: { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json', 'Request-Timeout': '0.5' },
      body: big,
    });
    const waited = (await res.json()) as Res;
    expect(res.status).toBe(408);
    expect(waited['code']).toBe(10001);
    expect(String(waited['message'])).toContain('waiting for its turn');
    expect(String(waited['message'])).toContain(`${DEFAULT_MAX_BODY_BYTES} bytes`);
    release();
    expect((await first).json['code']).toBe(0);
    // nothing of the timed-out insert was written; sent again, it goes through
    const count = async (): Promise<number> => Number(((await post('entities/query', JSON.stringify({ collectionName: 'room_wait', filter: '', outputFields: ['count(*)'] }))).json['data'] as Res[])[0]!['count(*)']);
    expect(await count()).toBe(1);
    expect((await post('entities/insert', big)).json['code']).toBe(0);
    expect(await count()).toBe(40_001);
  });
});
