/**
 * A replica killed mid-sync, in workerd against the real Worker and DOs: the "tab" dies after
 * a few file downloads (its fetch fails from then on and the replica object is abandoned); a
 * replica opened again on the same storage resumes — it fetches only the files it does not
 * hold yet — and answers like the server. Killed mid-follow (after the server flushed and
 * compacted), the copy keeps answering at its last committed state, a reopen finds that same
 * state, and the next sync brings it level with the server.
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage, getIndexFactory, initKernels, kernelsReady, openReplica, DataType, type FetchFn, type ReplicaDatabase, type StorageSet } from '@vesper/core';
import kernelsModule from '@vesper/core/kernels.wasm';
import { Random } from '../../packages/core/src/util/random.ts';
import { databaseEngine } from '../../packages/edge/src/index.ts';
import { randomVector, workerdSeed } from './seeded.ts';

const seed = workerdSeed();
const ORIGIN = 'http://vesper.test';
const DIM = 4;
const NAME = 'resume';

/** A fetch that dies for good after `allowFiles` file downloads (undefined: never), counting them. */
function dyingFetch(allowFiles?: number) {
  const state = { files: 0, dead: false };
  const fetch: FetchFn = async (url, init) => {
    if (state.dead) throw new Error('the tab is gone');
    if (url.includes('/file?')) {
      if (allowFiles !== undefined && state.files >= allowFiles) {
        state.dead = true;
        throw new Error('the tab is gone');
      }
      state.files++;
    }
    return exports.default.fetch(url, init as RequestInit);
  };
  return { state, fetch };
}

async function open(storage: StorageSet, fetch: FetchFn): Promise<ReplicaDatabase> {
  if (!kernelsReady()) await initKernels(kernelsModule);
  return openReplica({ replicaOf: { url: ORIGIN, token: 'root:Milvus', collections: [NAME] }, storage, fetch, indexFactory: getIndexFactory });
}

async function serverCount(): Promise<number> {
  const r = await databaseEngine(env, 'default').call('query', { collection_name: NAME, output_fields: ['count(*)'], consistency_level: 'Strong' });
  return Number(r.data[0]!['count(*)']);
}

async function sameAnswers(db: ReplicaDatabase, rng: Random): Promise<void> {
  const server = databaseEngine(env, 'default');
  expect((await db.count({ collection_name: NAME })).data, `count (seed ${seed})`).toBe(await serverCount());
  const s = { data: [randomVector(rng, DIM)], limit: 10, output_fields: ['n'] };
  const ss = (await server.call('search', { collection_name: NAME, consistency_level: 'Strong', ...s })) as { results: unknown[] };
  expect((await db.search({ collection_name: NAME, ...s })).results, `search (seed ${seed})`).toEqual(ss.results);
}

describe(`a replica killed mid-sync resumes (seed ${seed})`, () => {
  it('resumes an initial sync without fetching held files again; survives a kill mid-follow', async () => {
    const rng = new Random(seed);
    const s = databaseEngine(env, 'default');
    await s.call('createCollection', {
      collection_name: NAME,
      shards_num: 2,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'v', data_type: DataType.FloatVector, dim: DIM },
        { name: 'n', data_type: DataType.Int32 },
      ],
      index_params: [{ field_name: 'v', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } }],
    });
    const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ id: from + i, v: randomVector(rng, DIM), n: rng.int(50) }));
    for (let b = 0; b < 3; b++) {
      await s.call('insert', { collection_name: NAME, data: rows(b * 200, b * 200 + 200) });
      await s.call('flush', { collection_names: [NAME] });
    }
    await s.call('insert', { collection_name: NAME, data: rows(600, 650) });

    // all the files a full copy downloads
    const whole = dyingFetch();
    const reference = await open(createMemoryStorage(), whole.fetch);
    const total = whole.state.files;
    expect(total).toBeGreaterThan(3);
    await reference.close();

    // killed after 2 files: the open fails, nothing half-copied is ever read
    const storage = createMemoryStorage();
    const killed = dyingFetch(2);
    await expect(open(storage, killed.fetch)).rejects.toMatchObject({ code: 2 });
    // reopened: the two files held are not fetched again
    const resumed = dyingFetch();
    const db = await open(storage, resumed.fetch);
    expect(resumed.state.files, `resumed fetches (seed ${seed})`).toBe(total - 2);
    await sameAnswers(db, rng);
    const before = (await db.count({ collection_name: NAME })).data;

    // the server moves on (more sealed segments, a compaction); the follow is killed after one file
    await s.call('insert', { collection_name: NAME, data: rows(650, 900) });
    await s.call('delete', { collection_name: NAME, filter: 'id < 40' });
    await s.call('flush', { collection_names: [NAME] });
    await s.call('compact', { collection_name: NAME });
    const dyingFollow = dyingFetch(1);
    const follower = await open(storage, dyingFollow.fetch);
    await expect(follower.sync()).rejects.toMatchObject({ code: 2 });
    // still the last committed state, whole
    expect((await follower.count({ collection_name: NAME })).data).toBe(before);
    await db.close();
    await follower.close();
    // a reopen finds that same state, then a sync brings it level with the server
    const healed = await open(storage, dyingFetch().fetch);
    expect((await healed.count({ collection_name: NAME })).data).toBe(before);
    await healed.sync();
    await sameAnswers(healed, rng);
    expect((await healed.count({ collection_name: NAME })).data).toBe(await serverCount());
    await healed.close();
  });

  it('follows a drop on the server: reads answer collection-not-found, the files go; a new collection of the name is copied afresh', async () => {
    const rng = new Random(seed + 5);
    const name = 'dropped_later';
    const s = databaseEngine(env, 'default');
    const create = () => s.call('createCollection', { collection_name: name, dimension: DIM });
    await create();
    await s.call('insert', { collection_name: name, data: Array.from({ length: 300 }, (_, i) => ({ id: i, vector: randomVector(rng, DIM) })) });
    await s.call('flush', { collection_names: [name] });
    if (!kernelsReady()) await initKernels(kernelsModule);
    const storage = createMemoryStorage();
    const db = await openReplica({ replicaOf: { url: ORIGIN, token: 'root:Milvus', collections: [name] }, storage, fetch: dyingFetch().fetch, indexFactory: getIndexFactory });
    expect((await db.count({ collection_name: name })).data).toBe(300);
    expect((await storage.objects.list('c')).length).toBeGreaterThan(0);

    await s.call('dropCollection', { collection_name: name });
    await db.sync();
    await expect(db.count({ collection_name: name })).rejects.toMatchObject({ code: 100 });
    expect((await db.hasCollection({ collection_name: name })).value).toBe(false);
    expect(db.replicaStatus()[0]).toMatchObject({ online: true, bytes: 0 });
    expect(await storage.objects.list('c'), 'the dropped copy\'s files are deleted').toEqual([]);

    await create();
    await s.call('insert', { collection_name: name, data: [{ id: 7, vector: randomVector(rng, DIM) }] });
    await db.sync();
    expect((await db.count({ collection_name: name })).data).toBe(1);
    await db.close();
  });
});
