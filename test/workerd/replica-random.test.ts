/**
 * A local replica against a random history (issue "Local replicas": the seeded equivalence
 * test). The server — the real Worker, ShardLeader and QueryNode DOs and R2, sealing at 150
 * rows — takes a random sequence of inserts, upserts (new and existing keys), deletes by key and
 * by filter, flushes and compactions; between them the replica (core's CollectionReplica over a
 * memory store, through the Worker's own fetch) syncs at random points, and is sometimes closed
 * and reopened from its storage first. At every sync point the server is first checked against
 * a model of the acknowledged writes (every key and its scalars: nothing lost, nothing
 * resurrected — this caught two shard leaders both creating one manifest version, see
 * manifest-commit.test.ts). Nothing writes to the server then, so its current state is its
 * state at the replica's timestamp: the replica must equal it —
 * count, every row (keys, scalars, vectors), exact searches with and without a filter, and gets
 * of keys that exist, were deleted or never existed. Between syncs the replica must still
 * answer the state of its last sync, never a state in between. Seed: VESPER_SEED (printed).
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage, getIndexFactory, initKernels, kernelsReady, openReplica, DataType, type FetchFn, type ReplicaDatabase, type StorageSet } from '@vesper/core';
import kernelsModule from '@vesper/core/kernels.wasm';
import { Random } from '../../packages/core/src/util/random.ts';
import { databaseEngine } from '../../packages/edge/src/index.ts';
import { edgeMethod } from '../../packages/edge/src/rpc.ts';
import { randomVector, workerdSeed } from './seeded.ts';

const seed = workerdSeed();
const ORIGIN = 'http://vesper.test';
const selfFetch: FetchFn = (url, init) => exports.default.fetch(url, init as RequestInit);
const DIM = 6;
const NAME = 'rep_random';
const STEPS = 40;
/** For a failure message: the step that deleted each key. */
const DELETED = new Map<number, number>();

type Req = Record<string, unknown>;

async function open(storage: StorageSet): Promise<ReplicaDatabase> {
  if (!kernelsReady()) await initKernels(kernelsModule);
  return openReplica({ replicaOf: { url: ORIGIN, token: 'root:Milvus', collections: [NAME] }, storage, fetch: selfFetch, indexFactory: getIndexFactory });
}

/** What the replica answers for the reads compared; the same reads on the server with Strong. */
async function snapshot(read: (method: string, req: Req) => Promise<unknown>, rng: Random): Promise<unknown[]> {
  const all = (await read('query', { filter: 'id >= 0', output_fields: ['id', 'n', 'tag', 'v'], limit: 16_384 })) as { data: unknown[] };
  const count = (await read('count', {})) as { data: number };
  const out: unknown[] = [count.data, all.data];
  for (let i = 0; i < 3; i++) {
    const s = { data: [randomVector(rng, DIM)], limit: 10, output_fields: ['n', 'tag'], ...(i === 1 ? { filter: 'n < 8 and tag != "t1"' } : {}) };
    out.push(((await read('search', s)) as { results: unknown[] }).results);
  }
  const ids = Array.from({ length: 8 }, () => rng.int(700));
  out.push(((await read('get', { ids, output_fields: ['id', 'n', 'tag'] })) as { data: unknown[] }).data);
  return out;
}

describe(`a local replica against a random server history (seed ${seed})`, () => {
  it('equals the server at every sync point, and holds its last synced state in between', async () => {
    console.log(`replica-random seed ${seed}`);
    const rng = new Random(seed);
    const server = databaseEngine(env, 'default');
    const call = (method: string, req: Req) => server.call(edgeMethod(method), { collection_name: NAME, ...req });
    await server.call('createCollection', {
      collection_name: NAME,
      shards_num: 2,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'v', data_type: DataType.FloatVector, dim: DIM },
        { name: 'n', data_type: DataType.Int32 },
        { name: 'tag', data_type: DataType.VarChar, max_length: 8 },
      ],
      index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
    });
    const row = (id: number) => ({ id, v: randomVector(rng, DIM), n: rng.int(16), tag: `t${rng.int(4)}` });
    let next = 0;
    // the model: what the server must hold after every acknowledged write
    const model = new Map<number, ReturnType<typeof row>>();
    const insert = (k: number) => {
      const data = Array.from({ length: k }, () => row(next++));
      for (const d of data) model.set(d.id, d);
      return call('insert', { data });
    };
    await insert(200);

    const storage = createMemoryStorage();
    let db = await open(storage);
    const ops: string[] = [];
    let synced: unknown[] | undefined;
    let syncs = 0;
    const check = async (step: number): Promise<void> => {
      const reads = rng.next();
      const mine = await snapshot((m, r) => (db as unknown as Record<string, (q: Req) => Promise<unknown>>)[m]!({ collection_name: NAME, ...r }), new Random(Math.floor(reads * 2 ** 31)));
      const theirs = await snapshot((m, r) => (m === 'count' ? call('query', { ...r, output_fields: ['count(*)'], consistency_level: 'Strong' }).then((x) => ({ data: Number((x as { data: { 'count(*)': number }[] }).data[0]!['count(*)']) })) : call(m, { ...r, consistency_level: 'Strong' })), new Random(Math.floor(reads * 2 ** 31)));
      // the server against the model first: keys and scalars of every row
      const want = [...model.values()].sort((a, b) => a.id - b.id).map((d) => `${d.id}:${d.n}:${d.tag}`);
      const got = ((theirs[1] as { id: unknown; n: number; tag: string }[]).map((d) => `${String(d.id)}:${d.n}:${d.tag}`));
      const extra = got.filter((x) => !want.includes(x)).map((x) => `${x} (deleted at step ${DELETED.get(Number(x.split(':')[0]))})`);
      expect({ missing: want.filter((x) => !got.includes(x)), extra }, `seed ${seed}, step ${step}: the server against the model; ops ${ops.map((o, i) => `${i}:${o}`).join(', ')}`).toEqual({ missing: [], extra: [] });
      const parts = ['count', 'rows', 'search', 'filtered search', 'search', 'get'];
      for (const i of [1, 0, 2, 3, 4, 5]) {
        const part = parts[i]!;
        const where = `seed ${seed}, step ${step} after ${ops.slice(-6).join(', ')}: ${part}`;
        if (Array.isArray(theirs[i]) && JSON.stringify(mine[i]) !== JSON.stringify(theirs[i])) {
          // name the first rows that differ (a whole-collection diff is unreadable)
          const a = mine[i] as unknown[];
          const b = theirs[i] as unknown[];
          const at = b.findIndex((x, j) => JSON.stringify(x) !== JSON.stringify(a[j]));
          const ids = (xs: unknown[]) => new Set(xs.map((x) => JSON.stringify((x as { id?: unknown }).id)));
          const [ra, rb] = [ids(a), ids(b)];
          const onlyReplica = [...ra].filter((x) => !rb.has(x));
          const onlyServer = [...rb].filter((x) => !ra.has(x));
          expect({ replicaLength: a.length, serverLength: b.length, at, onlyReplica, onlyServer, replica: a.slice(at, at + 2), server: b.slice(at, at + 2) }, where).toBeUndefined();
        }
        expect(mine[i], where).toEqual(theirs[i]);
      }
      synced = await snapshot((m, r) => (db as unknown as Record<string, (q: Req) => Promise<unknown>>)[m]!({ collection_name: NAME, ...r }), new Random(7));
    };
    await check(-1);

    for (let step = 0; step < STEPS; step++) {
      const r = rng.next();
      if (r < 0.25) {
        const k = 20 + rng.int(160);
        ops.push(`insert ${k}`);
        await insert(k);
      } else if (r < 0.4) {
        // upsert: half existing keys (replaced), half new
        const data = Array.from({ length: 10 + rng.int(30) }, (_, i) => row(i % 2 === 0 && next > 0 ? rng.int(next) : next++));
        const unique = [...new Map(data.map((d) => [d.id, d])).values()];
        ops.push(`upsert ${unique.length}`);
        await call('upsert', { data: unique });
        for (const d of unique) model.set(d.id, d);
      } else if (r < 0.5) {
        const ids = Array.from({ length: 5 + rng.int(20) }, () => rng.int(Math.max(1, next)));
        ops.push(`delete ${ids.length} keys`);
        await call('delete', { ids });
        for (const id of ids) {
          if (model.delete(id)) DELETED.set(id, step);
        }
      } else if (r < 0.57) {
        const [fn, ft] = [rng.int(16), `t${rng.int(4)}`];
        const filter = `n == ${fn} and tag == "${ft}"`;
        for (const [id, d] of model) {
          if (d.n === fn && d.tag === ft && model.delete(id)) DELETED.set(id, step);
        }
        ops.push(`delete where ${filter}`);
        await call('delete', { filter });
      } else if (r < 0.65) {
        ops.push('flush');
        await server.call('flush', { collection_names: [NAME] });
      } else if (r < 0.72) {
        ops.push('compact');
        await call('compact', {});
      } else if (r < 0.8) {
        // between syncs the replica answers its last synced state, whatever the server did since
        ops.push('read without sync');
        const now = await snapshot((m, q) => (db as unknown as Record<string, (x: Req) => Promise<unknown>>)[m]!({ collection_name: NAME, ...q }), new Random(7));
        expect(now, `seed ${seed}, step ${step}: the replica moved without a sync`).toEqual(synced);
      } else {
        if (rng.next() < 0.3) {
          ops.push('reopen');
          await db.close();
          db = await open(storage);
        }
        ops.push('sync');
        await db.sync();
        syncs++;
        await check(step);
      }
    }
    await db.sync();
    await check(STEPS);
    console.log(`replica-random seed ${seed}: ${STEPS} steps, ${syncs + 1} sync points compared, ${next} keys written; ops: ${ops.join(', ')}`);
    await db.close();
  }, 240_000);
});
