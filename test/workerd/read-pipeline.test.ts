/**
 * The read pipeline in workerd: the Worker's DistributedEngine prepares each read once and its
 * ShardLeader and QueryNode DOs run the plan (test config: seals at 150 rows, 16 KiB per query
 * node, so sealed segments spread over several nodes).
 * - the shared equivalence scenario (test/read/read-scenario.ts): DOs = one in-process ProxyNode;
 * - a read parses its filter once in the whole request (the DOs run in this isolate, so
 *   filterParseCount sees their parses too), and its DO calls are counted;
 * - over REST, a search makes no describe call once the Worker holds the collection's
 *   description, and a collection dropped and created again under the same name (another
 *   dimension) is checked and rendered with its new description.
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DataType, ProxyNode, createMemoryStorage, getIndexFactory, initKernels, kernelsReady } from '@vesper/core';
import kernelsModule from '@vesper/core/kernels.wasm';
import { filterParseCount } from '../../packages/core/src/expr/index.ts';
import { Random } from '../../packages/core/src/util/random.ts';
import { databaseEngine } from '../../packages/edge/src/index.ts';
import { edgeMethod, type EdgeMethod } from '../../packages/edge/src/rpc.ts';
import { readScenario } from '../read/read-scenario.ts';
import { randomVector, workerdSeed } from './seeded.ts';

const seed = workerdSeed();

async function reference(): Promise<ProxyNode> {
  if (!kernelsReady()) await initKernels(kernelsModule);
  return ProxyNode.open(createMemoryStorage(), { indexFactory: getIndexFactory });
}

describe(`read pipeline in workerd (seed ${seed})`, () => {
  it('the shared read scenario: DOs = one ProxyNode', async () => {
    const local = await reference();
    const remote = databaseEngine(env, 'default');
    const diffs = await readScenario(seed, (m, r) => remote.call(edgeMethod(m), r), (m, r) => local.handle(m, r), { collection: 'read_scenario', shards: 3 });
    expect(diffs).toEqual([]);
    await local.close();
  });

  it('a read parses its filter once across Worker, leaders and query nodes; DO calls are counted', async () => {
    if (!kernelsReady()) await initKernels(kernelsModule);
    const rng = new Random(seed);
    const setup = databaseEngine(env, 'default');
    const fields = [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 8 },
      { name: 'n', data_type: DataType.Int32 },
    ];
    await setup.call('createCollection', { collection_name: 'read_plan', shards_num: 2, fields, index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }] });
    await setup.call('insert', { collection_name: 'read_plan', data: Array.from({ length: 700 }, (_, id) => ({ id, v: randomVector(rng, 8), n: rng.int(20) })) });
    await setup.call('flush', { collection_names: ['read_plan'] });
    const stats = (await setup.call('getCollectionStatistics', { collection_name: 'read_plan' })) as { data: { row_count: string } };
    expect(stats.data.row_count).toBe('700');

    const strong = { collection_name: 'read_plan', consistency_level: 'Strong' };
    const measure = async (method: EdgeMethod, req: Record<string, unknown>) => {
      const engine = databaseEngine(env, 'default');
      const before = filterParseCount();
      const out = await engine.call(method, { ...strong, ...req });
      return { out, parses: filterParseCount() - before, calls: engine.doCalls!() };
    };
    const s = await measure('search', { data: [randomVector(rng, 8)], limit: 5, filter: 'n < 12' });
    expect((s.out as { results: unknown[][] }).results[0]).toHaveLength(5);
    expect(s.parses, `seed ${seed}`).toBe(1);
    // begin + 2 leaders + at least one query node per shard holding sealed data
    expect(s.calls, `seed ${seed}`).toBeGreaterThanOrEqual(5);
    console.log(`read plan (seed ${seed}): a search made ${s.calls} DO calls`);
    expect((await measure('query', { filter: 'n in [1, 2]', output_fields: ['n'] })).parses).toBe(1);
    expect((await measure('query', { filter: 'n >= 3', output_fields: ['count(*)'] })).parses).toBe(1);
    const sub = (filter: string) => ({ data: [randomVector(rng, 8)], anns_field: 'v', limit: 4, filter });
    expect((await measure('hybridSearch', { search: [sub('n < 5'), sub('n > 5')], rerank: { strategy: 'rrf' } })).parses).toBe(2);
    expect((await measure('delete', { filter: 'n == 19' })).parses).toBe(1);
  });

  it('REST reads use the cached description until the collection under the name changes', async () => {
    const post = async (path: string, body: unknown) => {
      const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, { method: 'POST', headers: { Authorization: 'Bearer root:Milvus' }, body: JSON.stringify(body) });
      return { json: (await res.json()) as { code: number; data: { id: unknown; distance: number }[]; message?: string }, calls: Number(res.headers.get('Vesper-DO-Calls')) };
    };
    const create = (dim: number) => post('collections/create', { collectionName: 'cached', dimension: dim, metricType: 'L2' });
    await create(4);
    await post('entities/insert', { collectionName: 'cached', data: [{ id: 1, vector: [1, 0, 0, 0] }, { id: 2, vector: [0, 1, 0, 0] }] });
    const search = (v: number[]) => post('entities/search', { collectionName: 'cached', data: [v], limit: 2, consistencyLevel: 'Strong' });
    const first = await search([1, 0, 0, 0]);
    const second = await search([1, 0, 0, 0]);
    expect(first.json.code).toBe(0);
    expect(second.json).toEqual(first.json);
    // the first search described the collection; the second found the description cached
    expect(second.calls, `first ${first.calls}, second ${second.calls}`).toBe(first.calls - 1);
    // the name now holds another collection with another dimension
    await post('collections/drop', { collectionName: 'cached' });
    await create(3);
    await post('entities/insert', { collectionName: 'cached', data: [{ id: 7, vector: [0, 0, 1] }] });
    const again = await search([0, 0, 1]);
    expect(again.json.code, JSON.stringify(again.json)).toBe(0);
    expect(again.json.data.map((h) => h.id)).toEqual([7]);
    const wrong = await search([1, 0, 0, 0]);
    expect(wrong.json.code).toBe(1801);
  });
});
