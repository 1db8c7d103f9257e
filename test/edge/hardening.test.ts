/**
 * Regression tests for issue 11's REST and access defects, against the real Worker on workerd
 * (unstable_startWorker) over plain HTTP — the bytes on the wire matter here (empty bodies,
 * invalid UTF-8, headers): prototype-named privileges (4), RBAC on the object a handler acts
 * on (5: aliases, import and compaction jobs), malformed bodies (6), requests after a timed-out
 * one (7), writes racing releases (8), `vsk_` user names (9), a far-future session timestamp
 * (12) and inserts over the body limit or the DO RPC message limit (2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random, testSeed } from '../../packages/core/src/index.ts';
import { postOnce } from '../fuzz/http-post.ts';
import { startVesperWorker, type RunningWorker } from './worker-harness.ts';

const seed = testSeed(process.env.VESPER_SEED);
const rng = new Random(seed);
type Json = { code: number; message?: string; data?: unknown };
interface Reply {
  status: number;
  json: Json | undefined;
  text: string;
  headers: Headers;
}

let worker: RunningWorker;
const ROOT = 'Bearer root:Milvus';

/**
 * One request, straight to the Worker's workerd on a connection of its own: kept-alive
 * connections, and wrangler's proxy which pools its own, race workerd's close of idle
 * connections after a multi-MB body (docs/HARDENING.md "Fuzzing"). Item 7 goes through the
 * proxy with Node's fetch on purpose (viaProxy), the path on which it was found.
 */
async function send(path: string, body: string | Uint8Array, auth = ROOT, headers: Record<string, string> = {}, viaProxy = false): Promise<Reply> {
  const h = { Authorization: auth, 'Content-Type': 'application/json', ...headers };
  const res = viaProxy
    ? await fetch(`${worker.endpoint}/v2/vectordb/${path}`, { method: 'POST', headers: h, body }).then(async (r) => ({ status: r.status, text: await r.text(), headers: r.headers }))
    : await postOnce(`${worker.directEndpoint}/v2/vectordb/${path}`, h, body, 170_000);
  const text = res.text;
  let json: Json | undefined;
  try {
    json = JSON.parse(text) as Json;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}
const post = (path: string, body: unknown, auth = ROOT, headers: Record<string, string> = {}): Promise<Reply> => send(path, JSON.stringify(body), auth, headers);
async function ok(path: string, body: unknown, auth = ROOT): Promise<unknown> {
  const r = await post(path, body, auth);
  expect(r.json?.code, `${path}: ${r.text.slice(0, 300)}`).toBe(0);
  return r.json!.data;
}
const code = async (p: Promise<Reply>): Promise<number | string> => {
  const r = await p;
  return r.json?.code ?? `non-JSON ${r.status}: ${r.text.slice(0, 120)}`;
};
const count = async (collectionName: string): Promise<number> => {
  const rows = (await ok('entities/query', { collectionName, filter: '', outputFields: ['count(*)'], consistencyLevel: 'Strong' })) as { 'count(*)': string | number }[];
  return Number(rows[0]!['count(*)']);
};
const vec = (): number[] => [rng.next(), rng.next(), rng.next(), rng.next()];

beforeAll(async () => {
  worker = await startVesperWorker();
}, 90_000);

afterAll(async () => {
  await worker?.dispose();
});

describe(`issue 11: REST and access hardening (seed ${seed})`, () => {
  it('4: privilege names of Object.prototype are refused and lock nobody out', async () => {
    await ok('collections/create', { collectionName: 'proto_c', dimension: 4 });
    await ok('users/create', { userName: 'pat', password: 'pat-pass' });
    await ok('roles/create', { roleName: 'proto_r' });
    await ok('roles/grant_privilege', { roleName: 'proto_r', objectType: 'Collection', objectName: 'proto_c', privilege: 'DescribeCollection' });
    await ok('users/grant_role', { userName: 'pat', roleName: 'proto_r' });
    for (const privilege of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      for (const objectType of ['Global', 'Collection']) {
        expect(await code(post('roles/grant_privilege', { roleName: 'proto_r', objectType, objectName: '*', privilege })), `${privilege} on ${objectType}`).toBe(1100);
      }
    }
    // every check of a non-root user still answers
    expect(await ok('collections/has', { collectionName: 'proto_c' }, 'Bearer pat:pat-pass')).toEqual({ has: true });
    expect(await code(post('collections/list', {}, 'Bearer pat:pat-pass'))).toBe(1401);
  });

  it('5: alias, import-job and compaction-job endpoints authorize the collection they act on', async () => {
    await ok('collections/create', { collectionName: 'pub', dimension: 4 });
    await ok('collections/create', { collectionName: 'secret', dimension: 4 });
    await ok('aliases/create', { aliasName: 'al_secret', collectionName: 'secret' });
    await ok('aliases/create', { aliasName: 'al_pub', collectionName: 'pub' });
    await ok('users/create', { userName: 'mallory', password: 'mallory-pass' });
    await ok('roles/create', { roleName: 'pub_admin' });
    for (const privilege of ['CollectionAdmin']) await ok('roles/grant_privilege', { roleName: 'pub_admin', objectType: 'Collection', objectName: 'pub', privilege });
    await ok('users/grant_role', { userName: 'mallory', roleName: 'pub_admin' });
    const m = 'Bearer mallory:mallory-pass';
    // her own collection's alias works
    expect(await ok('aliases/describe', { aliasName: 'al_pub' }, m)).toMatchObject({ collectionName: 'pub' });
    // the secret one does not; a collectionName these endpoints do not read is refused (1100) before anything
    expect(await code(post('aliases/describe', { aliasName: 'al_secret' }, m))).toBe(1401);
    expect(await code(post('aliases/describe', { aliasName: 'al_secret', collectionName: 'pub' }, m))).toBe(1100);
    expect(await code(post('aliases/alter', { aliasName: 'al_secret', collectionName: 'pub' }, m))).toBe(1401);
    expect(await code(post('aliases/drop', { aliasName: 'al_secret' }, m))).toBe(1401);
    expect(await code(post('aliases/drop', { aliasName: 'al_secret', collectionName: 'pub' }, m))).toBe(1100);
    expect(await ok('aliases/describe', { aliasName: 'al_secret' })).toMatchObject({ collectionName: 'secret' });
    // re-pointing her alias at the secret collection needs a grant there too
    expect(await code(post('aliases/alter', { aliasName: 'al_pub', collectionName: 'secret' }, m))).toBe(1401);
    // an alias name does not open its collection: a data call through al_secret is checked on secret
    expect(await code(post('collections/describe', { collectionName: 'al_secret' }, m))).toBe(1401);
    // import job of secret
    const job = (await ok('jobs/import/create', { collectionName: 'secret', files: [['no/such/file.json']] })) as { jobId: string };
    expect(await code(post('jobs/import/get_progress', { jobId: job.jobId }, m))).toBe(1401);
    expect(await code(post('jobs/import/get_progress', { jobId: job.jobId, collectionName: 'pub' }, m))).toBe(1100);
    expect(await ok('jobs/import/get_progress', { jobId: job.jobId })).toMatchObject({ collectionName: 'secret' });
    // compaction job of secret
    const comp = (await ok('collections/compact', { collectionName: 'secret' })) as { compactionID: number };
    expect(await code(post('collections/get_compaction_state', { jobID: comp.compactionID }, m))).toBe(1401);
    expect(await code(post('collections/get_compaction_state', { jobID: comp.compactionID, collectionName: 'pub' }, m))).toBe(1100);
    const mine = (await ok('collections/compact', { collectionName: 'pub' }, m)) as { compactionID: number };
    expect(await ok('collections/get_compaction_state', { jobID: mine.compactionID }, m)).toMatchObject({ compactionID: mine.compactionID });
  });

  it('6: bodies that are not valid UTF-8 JSON objects are refused with 1801/1802', async () => {
    await ok('collections/create', { collectionName: 'bodies', dimension: 4 });
    expect(await code(send('collections/has', ''))).toBe(1801);
    expect(await code(send('collections/list', ''))).toBe(1801);
    expect(await code(send('collections/list', '   \n'))).toBe(1801);
    expect(await code(send('collections/list', '[]'))).toBe(1801);
    expect(await code(send('collections/list', '"x"'))).toBe(1801);
    // invalid UTF-8 inside a key and inside a value
    const bad = (json: string, at: string): Uint8Array => {
      const bytes = new TextEncoder().encode(json);
      const i = json.indexOf(at);
      const out = new Uint8Array(bytes.length + 1);
      out.set(bytes.subarray(0, i));
      out[i] = 0xff;
      out.set(bytes.subarray(i), i + 1);
      return out;
    };
    expect(await code(send('users/create_api_key', bad('{"userName":"root"}', 'userName')))).toBe(1801);
    expect(await code(send('collections/has', bad('{"collectionName":"bodies"}', 'bodies')))).toBe(1801);
    // Milvus accepts a JSON null on endpoints without required parameters, and only there
    for (const path of ['collections/list', 'aliases/list', 'users/list', 'roles/list', 'databases/list']) expect(await code(send(path, 'null')), path).toBe(0);
    expect(await code(send('collections/has', 'null'))).toBe(1802);
    expect(await code(send('users/create_api_key', 'null'))).toBe(1802);
    // a misspelled or unknown key is refused by name (Milvus drops it; Vesper ignores nothing)
    expect(await code(post('collections/has', { colectionName: 'bodies' }))).toBe(1100);
    expect(await code(post('collections/has', { collectionName: 'bodies', somethingElse: 1 }))).toBe(1100);
    expect(await code(post('collections/has', {}))).toBe(1802);
  });

  it('7: a timed-out request leaves the following requests answered in Milvus JSON', async () => {
    await ok('collections/create', { collectionName: 'after_timeout', dimension: 4 });
    const rows = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ id: base + i, vector: vec(), text: 'x'.repeat(200) }));
    const failures: string[] = [];
    let inserted = 0;
    for (let round = 0; round < 30; round++) {
      const timedOut = await send('partitions/create', JSON.stringify({ collectionName: 'after_timeout', partitionName: `p${round}`, pad: 'y'.repeat(200_000) }), ROOT, { 'Request-Timeout': '0.0001' }, true);
      if (timedOut.json === undefined) failures.push(`timed-out request: ${timedOut.status} ${timedOut.text.slice(0, 100)}`);
      const replies = await Promise.all([
        send('entities/insert', JSON.stringify({ collectionName: 'after_timeout', data: rows(50, round * 100) }), ROOT, {}, true),
        send('entities/delete', JSON.stringify({ collectionName: 'after_timeout', filter: `id in [${round * 100 + 49}]` }), ROOT, {}, true),
      ]);
      for (const r of replies) if (r.json?.code !== 0) failures.push(`${r.status} ${r.text.slice(0, 120)}`);
      // the delete races the insert: it removes the row only when it lands second (deleteCount 1)
      const deleted = (replies[1]!.json?.['data'] as { deleteCount?: number } | undefined)?.deleteCount ?? 0;
      if (replies[0]!.json?.code === 0) inserted += 50 - deleted;
    }
    expect(failures).toEqual([]);
    expect(await count('after_timeout')).toBe(inserted);
  });

  it('8: writes racing collections/release and partitions/release all succeed', async () => {
    await ok('collections/create', { collectionName: 'racing', dimension: 4 });
    await ok('partitions/create', { collectionName: 'racing', partitionName: 'p1' });
    const failures: string[] = [];
    let next = 0;
    for (let round = 0; round < 8; round++) {
      const writes = Array.from({ length: 6 }, () => {
        const id = next++;
        return send('entities/insert', JSON.stringify({ collectionName: 'racing', data: [{ id, vector: vec() }] }));
      });
      const release = round % 2 === 0 ? post('collections/release', { collectionName: 'racing' }) : post('partitions/release', { collectionName: 'racing', partitionNames: ['p1'] });
      const replies = await Promise.all([...writes, release]);
      for (const r of replies) if (r.json?.code !== 0) failures.push(`${r.status} ${r.text.slice(0, 160)}`);
      await ok('collections/load', { collectionName: 'racing' });
    }
    expect(failures).toEqual([]);
    expect(await count('racing')).toBe(next);
  });

  it('9: user names with the API-key prefix are refused at creation', async () => {
    expect(await code(post('users/create', { userName: 'vsk_bob', password: 'bob-pass-1' }))).toBe(1100);
    expect(await ok('users/list', {})).not.toContain('vsk_bob');
  });

  it('12: Vesper-Session-Ts must be a timestamp this database could have issued', async () => {
    await ok('collections/create', { collectionName: 'sessions', dimension: 4 });
    const w = await post('entities/insert', { collectionName: 'sessions', data: [{ id: 1, vector: vec() }] });
    const ts = w.headers.get('Vesper-Session-Ts');
    expect(ts).toMatch(/^[0-9]+$/);
    const read = (header: string) => post('entities/query', { collectionName: 'sessions', filter: 'id >= 0', outputFields: ['id'], consistencyLevel: 'Session' }, ROOT, { 'Vesper-Session-Ts': header });
    expect((await read(ts!)).json).toMatchObject({ code: 0, data: [{ id: 1 }] });
    const future = ((BigInt(Date.now()) + 365n * 86_400_000n) << 18n).toString();
    expect(await code(read(future))).toBe(1100);
    expect(await code(read('18446744073709551615'))).toBe(1100);
    for (const malformed of ['-1', '1e9', 'abc', '12 34', '0x10']) expect(await code(read(malformed)), malformed).toBe(1100);
  });

  it('2: an insert over the body limit is refused up front (1102, not retriable); one under it is stored whole in parts under the DO RPC limit', async () => {
    await ok('collections/create', { collectionName: 'big_insert', dimension: 4, params: { shardsNum: 1 } });
    const text = 'v'.repeat(8000);
    const rowsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, vector: [1, 0, 0, i / n], text }));
    // ~50 MB of JSON in one valid insert (6,000 rows with 8 KB of text each): over the 32 MiB
    // default, refused before it is parsed, with the limit named; nothing is stored
    const over = JSON.stringify({ collectionName: 'big_insert', data: rowsOf(6000) });
    expect(over.length).toBeGreaterThan(48_000_000);
    const refused = await send('entities/insert', over);
    expect(refused.json?.code, refused.text.slice(0, 300)).toBe(1102);
    expect(refused.json?.message).toContain(`over the limit of ${32 * 1024 * 1024} bytes for entities/insert`);
    expect(refused.json?.message).toContain('split the batch');
    expect(await count('big_insert')).toBe(0);
    // ~31 MB under the limit into one shard: three parts of at most 12 MiB of rows each, one leader
    const under = JSON.stringify({ collectionName: 'big_insert', data: rowsOf(3900) });
    expect(under.length).toBeGreaterThan(31_000_000);
    expect(under.length).toBeLessThan(32 * 1024 * 1024);
    const r = await send('entities/insert', under);
    expect(r.json?.code, r.text.slice(0, 300)).toBe(0);
    expect(r.json?.data).toMatchObject({ insertCount: 3900 });
    expect(await count('big_insert')).toBe(3900);
    const got = (await ok('entities/get', { collectionName: 'big_insert', id: [0, 3899], outputFields: ['text'] })) as { text: string }[];
    expect(got.map((g) => g.text.length)).toEqual([8000, 8000]);
  }, 180_000);
});
