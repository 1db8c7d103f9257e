/**
 * Request limits and import jobs in workerd: a database's rate limit from its properties
 * answers 1807 (HTTP 200) once the bucket is empty and leaves other databases alone; bodies
 * over the limit answer 1102; a Request-Timeout too short answers HTTP 408 / 10001. Import
 * jobs read JSON row files from R2, run in the database DO's alarm in chunks, report
 * progress, and fail with a reason for a missing file; a file over the size limit is never
 * read (refused at create with 1102, or failing the job if it grew since), nor is one that is
 * not UTF-8 imported with replacement characters.
 */
import { env, exports } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Field, FixedSizeList, Float32, Table, tableToIPC, vectorFromArray } from 'apache-arrow';
import { CHUNK_ROWS, ImportJobs, MAX_IMPORT_FILE_BYTES } from '../../packages/edge/src/import/import-jobs.ts';
import { databaseEngine } from '../../packages/edge/src/index.ts';

const ROOT = { Authorization: 'Bearer root:Milvus' };
type Reply = { status: number; json: { code: number; message?: string; data?: unknown } };

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, { method: 'POST', headers: { ...ROOT, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Reply['json'] };
}
const ok = async (path: string, body: unknown): Promise<unknown> => {
  const r = await post(path, body);
  expect(r.json.code, `${path}: ${r.json.message}`).toBe(0);
  return r.json.data;
};

async function waitFor<T>(what: () => Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (done(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('request limits', () => {
  it('rate-limits a database from its properties with 1807', async () => {
    await ok('databases/create', { dbName: 'limited', properties: { 'vesper.rate.dml': '2' } });
    await ok('collections/create', { dbName: 'limited', collectionName: 'c', dimension: 2 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await post('entities/insert', { dbName: 'limited', collectionName: 'c', data: [{ id: i, vector: [i, 1] }] });
      expect(r.status).toBe(200);
      codes.push(r.json.code);
    }
    expect(codes.slice(0, 2)).toEqual([0, 0]);
    expect(codes).toContain(1807);
    // reads and other databases are not charged
    expect((await post('entities/query', { dbName: 'limited', collectionName: 'c', outputFields: ['count(*)'] })).json.code).toBe(0);
    await ok('collections/create', { collectionName: 'free', dimension: 2 });
    for (let i = 0; i < 5; i++) await ok('entities/insert', { collectionName: 'free', data: [{ id: i, vector: [i, 1] }] });
  });

  it('refuses oversized bodies (1102) and answers 408 / 10001 past Request-Timeout', async () => {
    const big = JSON.stringify({ collectionName: 'free', data: [{ id: 1, vector: [1, 1], pad: 'x'.repeat(65 * 1024 * 1024) }] });
    const r = await post('entities/insert', big);
    expect(r.json.code).toBe(1102);
    expect(r.json.message).toContain('too large');
    const rows = Array.from({ length: 3000 }, (_, i) => ({ id: 10_000 + i, vector: [i, 2] }));
    const slow = await post('entities/insert', { collectionName: 'free', data: rows }, { 'Request-Timeout': '0.001' });
    expect(slow).toMatchObject({ status: 408, json: { code: 10001 } });
    expect((await post('collections/list', {}, { 'Request-Timeout': 'soon' })).json.code).toBe(1801);
  });
});

describe('import jobs', () => {
  it('imports JSON row files from R2 in chunks and reports progress', async () => {
    const n = CHUNK_ROWS * 2 + 17;
    const rows = Array.from({ length: n }, (_, i) => ({ id: i + 1, vector: [i % 7, 1], tag: `t${i % 3}` }));
    await env.BUCKET.put('imports/a.json', JSON.stringify({ rows: rows.slice(0, 1500) }));
    await env.BUCKET.put('imports/b.json', JSON.stringify(rows.slice(1500)));
    await ok('collections/create', { collectionName: 'imp', dimension: 2 });
    const { jobId } = (await ok('jobs/import/create', { collectionName: 'imp', files: [['imports/a.json'], ['imports/b.json']] })) as { jobId: string };
    expect(jobId).toMatch(/^\d+$/);
    const done = (await waitFor(
      () => ok('jobs/import/get_progress', { jobId }),
      (p) => ['Completed', 'Failed'].includes((p as { state: string }).state),
    )) as Record<string, unknown>;
    expect(done).toMatchObject({ jobId, collectionName: 'imp', state: 'Completed', progress: 100, totalRows: n, importedRows: n, reason: '' });
    const count = await ok('entities/query', { collectionName: 'imp', outputFields: ['count(*)'], consistencyLevel: 'Strong' });
    expect(count).toEqual([{ 'count(*)': n }]);
    const list = (await ok('jobs/import/list', { collectionName: 'imp' })) as { records: { jobId: string; state: string }[] };
    expect(list.records).toContainEqual({ jobId, collectionName: 'imp', state: 'Completed', progress: 100 });
  });

  it('imports Arrow IPC files', async () => {
    const n = 1200;
    const vectors = vectorFromArray(Array.from({ length: n }, (_, i) => [i, -i]), new FixedSizeList(2, new Field('item', new Float32())));
    const table = new Table({ id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i + 1))), vector: vectors, tag: vectorFromArray(Array.from({ length: n }, (_, i) => `a${i}`)) });
    await env.BUCKET.put('imports/c.arrow', tableToIPC(table, 'file'));
    await ok('collections/create', { collectionName: 'imp_arrow', dimension: 2, metricType: 'L2' });
    const { jobId } = (await ok('jobs/import/create', { collectionName: 'imp_arrow', files: [['imports/c.arrow']] })) as { jobId: string };
    const done = (await waitFor(() => ok('jobs/import/get_progress', { jobId }), (p) => ['Completed', 'Failed'].includes((p as { state: string }).state))) as Record<string, unknown>;
    expect(done).toMatchObject({ state: 'Completed', importedRows: n });
    const got = await ok('entities/get', { collectionName: 'imp_arrow', id: [7], outputFields: ['*'] });
    expect(got).toEqual([{ id: 7, vector: [6, -6], tag: 'a6' }]);
  });

  it('fails a job with a reason for a missing file, and refuses unknown collections', async () => {
    const { jobId } = (await ok('jobs/import/create', { collectionName: 'imp', files: [['imports/missing.json']] })) as { jobId: string };
    const p = (await waitFor(() => ok('jobs/import/get_progress', { jobId }), (v) => (v as { state: string }).state === 'Failed')) as { state: string; reason: string };
    expect(p.state).toBe('Failed');
    expect(p.reason).toContain('imports/missing.json');
    expect((await post('jobs/import/create', { collectionName: 'nope', files: [['imports/a.json']] })).json.code).toBe(100);
    expect((await post('jobs/import/create', { collectionName: 'imp' })).json.code).toBe(1802);
    expect((await post('jobs/import/get_progress', { jobId: '42' })).json.code).toBe(1100);
  });

  /** A JSON row file of exactly `bytes` bytes: one row, padded with whitespace. */
  const paddedFile = (bytes: number): string => {
    const head = '{"rows":[{"id":1,"vector":[1,1]}';
    const tail = ']}';
    return head + ' '.repeat(bytes - head.length - tail.length) + tail;
  };

  it('refuses at create a file over the size limit (1102) without reading it, and creates no job', async () => {
    await ok('collections/create', { collectionName: 'imp_big', dimension: 2 });
    await env.BUCKET.put('imports/big.json', paddedFile(MAX_IMPORT_FILE_BYTES + 1));
    await env.BUCKET.put('imports/edge.json', paddedFile(MAX_IMPORT_FILE_BYTES));
    const r = await post('jobs/import/create', { collectionName: 'imp_big', files: [['imports/edge.json'], ['imports/big.json']] });
    expect(r.json.code).toBe(1102);
    expect(r.json.message).toContain('imports/big.json');
    expect(r.json.message).toContain(String(MAX_IMPORT_FILE_BYTES));
    const list = (await ok('jobs/import/list', { collectionName: 'imp_big' })) as { records: unknown[] };
    expect(list.records).toEqual([]);
    // a file of exactly the limit is imported
    const { jobId } = (await ok('jobs/import/create', { collectionName: 'imp_big', files: [['imports/edge.json']] })) as { jobId: string };
    const done = (await waitFor(() => ok('jobs/import/get_progress', { jobId }), (p) => ['Completed', 'Failed'].includes((p as { state: string }).state))) as Record<string, unknown>;
    expect(done).toMatchObject({ state: 'Completed', importedRows: 1 });
  }, 60_000);

  it('fails a job whose file grew past the limit after create, before reading it', async () => {
    await ok('collections/create', { collectionName: 'imp_grown', dimension: 2 });
    await env.BUCKET.put('imports/grown.json', JSON.stringify({ rows: [{ id: 1, vector: [1, 1] }] }));
    // the job runs in a DO of its own, stepped by hand (no alarm), writing through the real engine
    const scratch = env.CATALOG.get(env.CATALOG.idFromName('import-scratch'));
    await runInDurableObject(scratch, async (_instance, state) => {
      const jobs = new ImportJobs(state.storage.sql, env.BUCKET, { call: (db, method, request) => databaseEngine(env, db).call(method, request) });
      const jobId = await jobs.create('default', 'imp_grown', '', ['imports/grown.json']);
      await env.BUCKET.put('imports/grown.json', paddedFile(MAX_IMPORT_FILE_BYTES + 10));
      while (await jobs.step()) {
        // until the job settles
      }
      const job = jobs.get(jobId);
      expect(job.state).toBe('Failed');
      expect(job.reason).toContain(`${MAX_IMPORT_FILE_BYTES + 10} bytes, over the limit`);
      expect(job.totalRows).toBe(0);
    });
    const count = await ok('entities/query', { collectionName: 'imp_grown', outputFields: ['count(*)'], consistencyLevel: 'Strong' });
    expect(count).toEqual([{ 'count(*)': 0 }]);
  }, 60_000);

  it('fails a job whose JSON file is not UTF-8, importing nothing', async () => {
    await ok('collections/create', { collectionName: 'imp_utf8', dimension: 2 });
    const text = new TextEncoder().encode('{"rows":[{"id":1,"vector":[1,1],"tag":"AB"}]}');
    const i = text.indexOf(0x41); // "A" → a lone continuation byte
    text[i] = 0x80;
    await env.BUCKET.put('imports/latin.json', text);
    const { jobId } = (await ok('jobs/import/create', { collectionName: 'imp_utf8', files: [['imports/latin.json']] })) as { jobId: string };
    const p = (await waitFor(() => ok('jobs/import/get_progress', { jobId }), (v) => ['Completed', 'Failed'].includes((v as { state: string }).state))) as { state: string; reason: string };
    expect(p.state).toBe('Failed');
    expect(p.reason).toContain('not valid UTF-8');
    const count = await ok('entities/query', { collectionName: 'imp_utf8', outputFields: ['count(*)'], consistencyLevel: 'Strong' });
    expect(count).toEqual([{ 'count(*)': 0 }]);
  });
});
