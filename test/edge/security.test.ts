/**
 * Security and load end to end: the official SDK's HttpClient (unchanged) against the Vesper
 * Worker on workerd — users and roles endpoints, a tenant user confined to its database and
 * collection (403 / 1401 elsewhere, 401 / 1800 with a wrong password), a per-database rate
 * limit answering 1807, Request-Timeout answering HTTP 408 / 10001, the import-job endpoints'
 * shapes (files in R2 are covered in test/workerd), and a burst of
 * concurrent inserts and searches from several clients with no errors and no lost rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '@zilliz/milvus2-sdk-node';
import { Random, testSeed } from '../../packages/core/src/index.ts';
import { startVesperWorker, type RunningWorker } from './worker-harness.ts';

const seed = testSeed();
const rng = new Random(seed);
type Reply = { code: number; message?: string; data?: unknown };
type Loose = { [K in keyof HttpClient]: HttpClient[K] extends (...args: never[]) => Promise<infer R> ? (req?: object) => Promise<R & Reply> : HttpClient[K] };
const sdk = (config: ConstructorParameters<typeof HttpClient>[0]): Loose => new HttpClient(config) as unknown as Loose;

let worker: RunningWorker;
let root: Loose;

const data = <T>(r: Reply): T => {
  expect(r.code, r.message).toBe(0);
  return r.data as T;
};

beforeAll(async () => {
  worker = await startVesperWorker();
  root = sdk({ endpoint: worker.endpoint, username: 'root', password: 'Milvus' });
}, 90_000);

afterAll(async () => {
  await worker?.dispose();
});

describe(`security and load through the SDK HttpClient (seed ${seed})`, () => {
  it('users and roles endpoints, with a tenant confined to its grants', async () => {
    data(await root.createDatabase({ dbName: 'tenant' }));
    const rootTenant = sdk({ endpoint: worker.endpoint, username: 'root', password: 'Milvus', database: 'tenant' });
    data(await rootTenant.createCollection({ collectionName: 'docs', dimension: 4 }));
    data(await rootTenant.createCollection({ collectionName: 'secret', dimension: 4 }));
    data(await root.createCollection({ collectionName: 'main', dimension: 4 }));

    data(await root.createUser({ userName: 'tina', password: 'tina-pass' }));
    expect(data<string[]>(await root.listUsers())).toEqual(['root', 'tina']);
    data(await root.createRole({ roleName: 'docs_rw' }));
    expect(data<string[]>(await root.listRoles())).toEqual(['admin', 'public', 'docs_rw']);
    for (const privilege of ['Insert', 'Search', 'Query']) {
      data(await rootTenant.grantPrivilegeToRole({ roleName: 'docs_rw', objectType: 'Collection', objectName: 'docs', privilege }));
    }
    data(await rootTenant.grantPrivilegeToRole({ roleName: 'docs_rw', objectType: 'Global', objectName: '*', privilege: 'ShowCollections' }));
    const grants = data<{ objectType: string; objectName: string; privilege: string; dbName: string }[]>(await rootTenant.describeRole({ roleName: 'docs_rw' }));
    expect(grants.map((g) => `${g.objectType}:${g.objectName}:${g.privilege}@${g.dbName}`).sort()).toEqual([
      'Collection:docs:Insert@tenant', 'Collection:docs:Query@tenant', 'Collection:docs:Search@tenant', 'Global:*:ShowCollections@tenant',
    ]);
    data(await root.grantRoleToUser({ userName: 'tina', roleName: 'docs_rw' }));
    expect(data(await root.describeUser({ userName: 'tina' }))).toEqual(['docs_rw']);

    const tina = sdk({ endpoint: worker.endpoint, username: 'tina', password: 'tina-pass', database: 'tenant' });
    data(await tina.insert({ collectionName: 'docs', data: [{ id: 1, vector: [1, 0, 0, 0] }] }));
    const hits = data<{ id: string }[]>(await tina.search({ collectionName: 'docs', data: [[1, 0, 0, 0]], limit: 1, consistencyLevel: 'Strong' }));
    expect(hits[0]!.id).toBe('1');
    expect(data<string[]>(await tina.listCollections({})).sort()).toEqual(['docs', 'secret']);
    expect(data(await tina.listDatabases())).toEqual(['tenant']);
    // denied: another collection, another privilege, another database, administration
    await expect(tina.search({ collectionName: 'secret', data: [[1, 0, 0, 0]] })).rejects.toMatchObject({ status: 403 });
    await expect(tina.delete({ collectionName: 'docs', filter: 'id > 0' })).rejects.toMatchObject({ status: 403 });
    await expect(tina.dropCollection({ collectionName: 'docs' })).rejects.toMatchObject({ status: 403 });
    const tinaDefault = sdk({ endpoint: worker.endpoint, username: 'tina', password: 'tina-pass' });
    await expect(tinaDefault.listCollections({})).rejects.toMatchObject({ status: 403 });
    await expect(tinaDefault.search({ collectionName: 'main', data: [[1, 0, 0, 0]] })).rejects.toMatchObject({ status: 403 });
    await expect(tina.createUser({ userName: 'eve', password: 'eve-pass' })).rejects.toMatchObject({ status: 403 });
    const raw = await fetch(`${worker.endpoint}/v2/vectordb/collections/drop`, {
      method: 'POST',
      headers: { Authorization: 'Bearer tina:tina-pass', ContentType: 'application/json' },
      body: JSON.stringify({ dbName: 'tenant', collectionName: 'docs' }),
    });
    expect(raw.status).toBe(403);
    expect(await raw.json()).toMatchObject({ code: 1401 });
    // a wrong password is 401; changing the password retires the old one
    await expect(sdk({ endpoint: worker.endpoint, username: 'tina', password: 'nope' }).listCollections({})).rejects.toMatchObject({ status: 401 });
    data(await tina.updateUserPassword({ userName: 'tina', password: 'tina-pass', newPassword: 'tina-pass-2' }));
    await expect(tina.listCollections({})).rejects.toMatchObject({ status: 401 });
    const tina2 = sdk({ endpoint: worker.endpoint, username: 'tina', password: 'tina-pass-2', database: 'tenant' });
    expect(data<string[]>(await tina2.listCollections({})).length).toBe(2);
    // revocation and cleanup
    data(await rootTenant.revokePrivilegeFromRole({ roleName: 'docs_rw', objectType: 'Collection', objectName: 'docs', privilege: 'Search' }));
    await expect(tina2.search({ collectionName: 'docs', data: [[1, 0, 0, 0]] })).rejects.toMatchObject({ status: 403 });
    data(await root.revokeRoleFromUser({ userName: 'tina', roleName: 'docs_rw' }));
    data(await root.dropRole({ roleName: 'docs_rw' }));
    data(await root.dropUser({ userName: 'tina' }));
    await expect(tina2.listCollections({})).rejects.toMatchObject({ status: 401 });
  });

  it('rate-limits a database with 1807 and times out with 408 / 10001', async () => {
    data(await root.createDatabase({ dbName: 'slow', properties: { 'vesper.rate.dql': '3' } } as never));
    const c = sdk({ endpoint: worker.endpoint, username: 'root', password: 'Milvus', database: 'slow' });
    data(await c.createCollection({ collectionName: 'c', dimension: 2 }));
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await c.query({ collectionName: 'c', filter: 'id > 0' })).code);
    expect(codes.slice(0, 3)).toEqual([0, 0, 0]);
    expect(codes).toContain(1807);
    const rows = Array.from({ length: 4000 }, (_, i) => ({ id: i + 1, vector: [i, 1] }));
    const res = await fetch(`${worker.endpoint}/v2/vectordb/entities/insert`, {
      method: 'POST',
      headers: { Authorization: 'Bearer root:Milvus', 'Request-Timeout': '0.001' },
      body: JSON.stringify({ collectionName: 'main', data: rows.map((r) => ({ ...r, vector: [...r.vector, 0, 0] })) }),
    });
    expect(res.status).toBe(408);
    expect(await res.json()).toMatchObject({ code: 10001 });
  });

  it('import jobs: create, list, get_progress (a missing file fails with a reason)', async () => {
    const { jobId } = data<{ jobId: string }>(await root.createImportJobs({ collectionName: 'main', files: [['imports/none.json']] } as never));
    let p = data<{ state: string; reason: string; progress: number }>(await root.getImportJobProgress({ jobId } as never));
    for (let i = 0; i < 100 && p.state !== 'Failed'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      p = data(await root.getImportJobProgress({ jobId } as never));
    }
    expect(p).toMatchObject({ state: 'Failed', progress: 0 });
    expect(p.reason).toContain('imports/none.json');
    const list = data<{ records: { jobId: string; state: string }[] }>(await root.listImportJobs({ collectionName: 'main' } as never));
    expect(list.records).toEqual([{ jobId, collectionName: 'main', state: 'Failed', progress: 0 }]);
  });

  it('a burst of concurrent inserts and searches from several clients loses nothing', async () => {
    data(await root.createCollection({ collectionName: 'burst', dimension: 8, metricType: 'L2' }));
    const clients = Array.from({ length: 4 }, () => sdk({ endpoint: worker.endpoint, username: 'root', password: 'Milvus' }));
    const vec = (): number[] => Array.from({ length: 8 }, () => Math.fround(rng.next() * 2 - 1));
    const all: { id: number; vector: number[] }[] = [];
    const work: Promise<Reply>[] = [];
    clients.forEach((cl, k) => {
      for (let b = 0; b < 5; b++) {
        const rows = Array.from({ length: 50 }, (_, i) => ({ id: k * 10_000 + b * 100 + i, vector: vec() }));
        all.push(...rows);
        work.push(cl.insert({ collectionName: 'burst', data: rows }));
        work.push(cl.search({ collectionName: 'burst', data: [rows[0]!.vector], limit: 3 }));
      }
    });
    const replies = await Promise.all(work);
    for (const r of replies) expect(r.code, r.message).toBe(0);
    const count = data<{ 'count(*)': string }[]>(await root.query({ collectionName: 'burst', outputFields: ['count(*)'], consistencyLevel: 'Strong' }));
    expect(count[0]!['count(*)']).toBe(String(all.length));
    for (const p of [all[0]!, all[137]!, all[all.length - 1]!]) {
      const hit = data<{ id: string }[]>(await root.search({ collectionName: 'burst', data: [p.vector], limit: 1, consistencyLevel: 'Strong' }));
      expect(hit[0]!.id).toBe(String(p.id));
    }
  });
});
