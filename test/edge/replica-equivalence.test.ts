/**
 * A replica equals its server at every sync point (issue 16's randomized equivalence test): a
 * seeded random sequence of server writes (insert, upsert, delete), flushes and compactions on
 * a real local endpoint (wrangler's workerd, test/edge/worker-harness.ts), with a Node replica
 * (`openDatabase({ path, replicaOf })`) synced at random points. After each sync — no server
 * write in between — every row (id, n, tag), the count, and exact (FLAT) searches with and
 * without a filter must be the server's. The seed is printed; VESPER_SEED replays a run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../packages/core/src/node/open-database.ts';
import { Random, testSeed } from '../../packages/core/src/util/random.ts';
import { startVesperWorker, type RunningWorker } from './worker-harness.ts';
import { restOk } from './rest-call.ts';

const seed = testSeed();
const rng = new Random(seed);
const DIM = 4;
const STEPS = 24;
let worker: RunningWorker | undefined;
let dir = '';

const rest = (path: string, body: unknown): Promise<unknown> => restOk(worker!.endpoint, path, body, `seed ${seed}`);

const vector = (): number[] => Array.from({ length: DIM }, () => Math.round((rng.next() * 2 - 1) * 1000) / 1000);
const row = (id: number) => ({ id, vector: vector(), n: rng.int(10), tag: `t${rng.int(5)}` });

type Entity = { id: number; n: number; tag: string };
const canonical = (rows: readonly Record<string, unknown>[]): Entity[] =>
  rows.map((r) => ({ id: Number(r['id']), n: Number(r['n']), tag: String(r['tag']) })).sort((a, b) => a.id - b.id);

beforeAll(async () => {
  worker = await startVesperWorker();
  dir = await mkdtemp(join(tmpdir(), 'vesper-replica-eq-'));
  await rest('collections/create', {
    collectionName: 'eq',
    schema: { fields: [
      { fieldName: 'id', dataType: 'Int64', isPrimary: true },
      { fieldName: 'vector', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
      { fieldName: 'n', dataType: 'Int32' },
      { fieldName: 'tag', dataType: 'VarChar', elementTypeParams: { max_length: 16 } },
    ] },
    indexParams: [{ fieldName: 'vector', indexName: 'vector', metricType: 'L2', indexType: 'FLAT' }],
  });
}, 120_000);

afterAll(async () => {
  await worker?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`replica equals the server at every sync (seed ${seed})`, () => {
  it('follows a random history of writes, flushes and compactions', async () => {
    console.log(`replica-equivalence seed ${seed}`);
    const live = new Set<number>();
    let nextId = 0;
    const insert = async () => {
      const rows = Array.from({ length: 5 + rng.int(50) }, () => row(nextId++));
      await rest('entities/insert', { collectionName: 'eq', data: rows });
      for (const r of rows) live.add(r.id);
    };
    await insert();
    const db = await openDatabase({ path: dir, replicaOf: { url: worker!.endpoint, token: 'root:Milvus', collections: ['eq'] } });
    const strong = { collectionName: 'eq', consistencyLevel: 'Strong' };
    const compare = async (step: string) => {
      const where = `${step} (seed ${seed})`;
      const server = canonical((await rest('entities/query', { ...strong, filter: 'id >= 0', outputFields: ['id', 'n', 'tag'], limit: 16_384 })) as Record<string, unknown>[]);
      const local = canonical((await db.query({ collection_name: 'eq', filter: 'id >= 0', output_fields: ['id', 'n', 'tag'], limit: 16_384 })).data);
      expect(local, where).toEqual(server);
      expect(server.map((r) => r.id), where).toEqual([...live].sort((a, b) => a - b));
      expect((await db.count({ collection_name: 'eq' })).data, where).toBe(server.length);
      for (const filter of [undefined, 'n < 5', 'tag == "t1"']) {
        const q = vector();
        const s = (await rest('entities/search', { ...strong, data: [q], limit: 7, outputFields: ['id'], ...(filter ? { filter } : {}) })) as { id: unknown; distance: number }[];
        const l = (await db.search({ collection_name: 'eq', data: [q], limit: 7, ...(filter ? { filter } : {}) })).results.flat() as { id: unknown; score: number }[];
        expect(l.map((h) => Number(h.id)), `${where} search ${filter ?? ''}`).toEqual(s.map((h) => Number(h.id)));
      }
    };
    await compare('first open');
    for (let step = 0; step < STEPS; step++) {
      const op = rng.pick(['insert', 'insert', 'upsert', 'delete', 'flush', 'compact', 'sync', 'sync'] as const);
      const ids = [...live];
      if (op === 'insert') await insert();
      else if (op === 'upsert' && ids.length > 0) {
        const some = Array.from({ length: 1 + rng.int(10) }, () => ids[rng.int(ids.length)]!);
        await rest('entities/upsert', { collectionName: 'eq', data: [...new Set(some)].map((id) => row(id)) });
      } else if (op === 'delete' && ids.length > 0) {
        const gone = [...new Set(Array.from({ length: 1 + rng.int(8) }, () => ids[rng.int(ids.length)]!))];
        await rest('entities/delete', { collectionName: 'eq', filter: `id in [${gone.join(',')}]` });
        for (const id of gone) live.delete(id);
      } else if (op === 'flush') await rest('collections/flush', { collectionName: 'eq' });
      else if (op === 'compact') await rest('collections/compact', { collectionName: 'eq' });
      else {
        await db.sync();
        await compare(`step ${step}`);
      }
    }
    await db.sync();
    await compare('end');
    await db.close();
  }, 300_000);
});
