/**
 * A Node replica (`openDatabase({ path, replicaOf })` from `@vesper/core/node`) of a collection
 * on a real local endpoint (wrangler's workerd, test/edge/worker-harness.ts), over HTTP with
 * Node's fetch into a directory: it answers count / query / search as the endpoint does, follows
 * a write after `sync()`, and keeps answering from its directory once the endpoint is stopped
 * (`replicaStatus().online` false) — also when opened again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../packages/core/src/node/open-database.ts';
import { openFsStorage } from '../../packages/core/src/node/fs-storage.ts';
import { fromWire, fromWireBinary, toWire } from '../../packages/core/src/replica/replica-wire.ts';
import { Random, testSeed } from '../../packages/core/src/util/random.ts';
import { startVesperWorker, type RunningWorker } from './worker-harness.ts';
import { restOk } from './rest-call.ts';

const seed = testSeed();
const rng = new Random(seed);
const DIM = 4;
let worker: RunningWorker | undefined;
let dir = '';

const rest = (path: string, body: unknown): Promise<unknown> => restOk(worker!.endpoint, path, body);

const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ id: from + i, vector: Array.from({ length: DIM }, () => rng.next() * 2 - 1), n: rng.int(10) }));

beforeAll(async () => {
  worker = await startVesperWorker();
  dir = await mkdtemp(join(tmpdir(), 'vesper-replica-'));
  await rest('collections/create', { collectionName: 'docs', dimension: DIM });
  await rest('entities/insert', { collectionName: 'docs', data: rows(0, 300) });
  await rest('collections/flush', { collectionName: 'docs' });
  await rest('entities/insert', { collectionName: 'docs', data: rows(300, 340) });
  await rest('entities/delete', { collectionName: 'docs', filter: 'id in [1, 2, 305]' });
}, 120_000);

afterAll(async () => {
  await worker?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`Node replica of a local endpoint (seed ${seed})`, () => {
  it('answers like the endpoint, follows it, and works offline', async () => {
    const replicaOf = { url: worker!.endpoint, token: 'root:Milvus', collections: ['docs'] };
    const db = await openDatabase({ path: dir, replicaOf });
    const strong = { collectionName: 'docs', consistencyLevel: 'Strong' };
    const serverIds = async () => ((await rest('entities/query', { ...strong, filter: 'id >= 0', outputFields: ['id'], limit: 1000 })) as { id: number }[]).map((r) => Number(r.id)).sort((a, b) => a - b);
    const localIds = async () => (await db.query({ collection_name: 'docs', filter: 'id >= 0', output_fields: ['id'], limit: 1000 })).data.map((r) => Number(r['id'])).sort((a, b) => a - b);
    expect(await localIds()).toEqual(await serverIds());
    expect((await db.count({ collection_name: 'docs' })).data).toBe(337);
    const q = Array.from({ length: DIM }, () => rng.next() * 2 - 1);
    const server = (await rest('entities/search', { ...strong, data: [q], limit: 5, outputFields: ['id'] })) as { id: number }[];
    const local = (await db.search({ collection_name: 'docs', data: [q], limit: 5 })).results.flat() as { id: unknown }[];
    expect(local.map((r) => Number(r.id))).toEqual(server.map((r) => Number(r.id)));

    await rest('entities/insert', { collectionName: 'docs', data: rows(340, 350) });
    await db.sync();
    expect(await localIds()).toEqual(await serverIds());
    expect(db.replicaStatus()[0]).toMatchObject({ online: true, collection: 'docs' });

    await worker!.dispose();
    worker = undefined;
    await expect(db.sync()).rejects.toMatchObject({ code: 2 });
    expect(db.replicaStatus()[0]!.online).toBe(false);
    expect((await db.count({ collection_name: 'docs' })).data).toBe(347);
    await db.close();
    const again = await openDatabase({ path: dir, replicaOf });
    expect((await again.count({ collection_name: 'docs' })).data).toBe(347);
    const ids = await again.query({ collection_name: 'docs', filter: 'id >= 0', output_fields: ['id'], limit: 1000 });
    await again.close();

    // a directory an older build wrote (state format 1, tail blobs as JSON) still opens offline
    const storage = await openFsStorage(dir);
    const rec = (await storage.meta.get('replica/default/docs'))!;
    const state = fromWire(rec.value) as { format: number; shards: { tailKeys: string[] }[] };
    expect(state.format).toBe(2);
    let converted = 0;
    for (const s of state.shards) {
      s.tailKeys = await Promise.all(
        s.tailKeys.map(async (k) => {
          const json = k.replace(/\.bin$/, '.json');
          await storage.objects.put(json, new TextEncoder().encode(toWire(fromWireBinary((await storage.objects.get(k))!))));
          await storage.objects.delete([k]);
          converted++;
          return json;
        }),
      );
    }
    expect(converted).toBeGreaterThan(0);
    await storage.meta.put('replica/default/docs', toWire({ ...state, format: 1 }), rec.version);
    await storage.close();
    const old = await openDatabase({ path: dir, replicaOf });
    expect((await old.count({ collection_name: 'docs' })).data).toBe(347);
    expect(await old.query({ collection_name: 'docs', filter: 'id >= 0', output_fields: ['id'], limit: 1000 })).toEqual(ids);
    await old.close();
  }, 120_000);
});
