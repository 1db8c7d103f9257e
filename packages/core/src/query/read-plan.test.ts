/**
 * ReadPlan: a request is prepared once and nothing below the entry point parses it again.
 * - search, query, count, get and hybrid search over a collection whose sealed segments are
 *   read by three in-thread readers (LocalReaderPool) lex/parse/check each filter text once;
 * - a plan is structured-clonable, and a cloned plan (as a query worker or a DO receives it)
 *   reads exactly what the original reads.
 */
import { describe, expect, it } from 'vitest';
import { filterParseCount } from '../expr/index.ts';
import { ProxyNode } from '../proxy/proxy-node.ts';
import { LocalReaderPool } from '../proxy/local-reader-pool.ts';
import { prepareHybrid, prepareQuery, prepareSearch } from '../proxy/prepared.ts';
import { createMemoryStorage } from '../adapters/memory-storage.ts';
import { getIndexFactory } from '../index/index-registry.ts';
import { DataType } from '../schema/data-type.ts';
import { Random, testSeed } from '../util/random.ts';
import { loadTestKernels } from '../kernels/test-kernels.ts';
import { readQuery, readSearch } from './read-executor.ts';

const seed = testSeed(process.env['VESPER_SEED']);
const DIM = 4;

async function setup() {
  await loadTestKernels();
  const storage = createMemoryStorage();
  const pool = new LocalReaderPool(3, storage.objects, getIndexFactory);
  const node = await ProxyNode.open(storage, { indexFactory: getIndexFactory, readers: pool });
  const rng = new Random(seed);
  await node.handle('createCollection', {
    collection_name: 'p',
    shards_num: 2,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      { name: 'n', data_type: DataType.Int32 },
    ],
    index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
  });
  const rows = (from: number) => Array.from({ length: 60 }, (_, i) => ({ id: from + i, v: Array.from({ length: DIM }, () => rng.next()), n: rng.int(20) }));
  for (let k = 0; k < 3; k++) {
    await node.handle('insert', { collection_name: 'p', data: rows(k * 60) });
    await node.handle('flush', { collection_names: ['p'] });
  }
  await node.handle('insert', { collection_name: 'p', data: rows(1000) });
  await node.idle();
  return { node, pool, rng };
}

/** Filter parses while fn runs. */
async function parses(fn: () => Promise<unknown>): Promise<number> {
  const before = filterParseCount();
  await fn();
  return filterParseCount() - before;
}

describe(`read plans (seed ${seed})`, () => {
  it('every read parses its filter once, however many readers answer it', async () => {
    const { node, pool, rng } = await setup();
    const q = () => Array.from({ length: DIM }, () => rng.next());
    const strong = { collection_name: 'p', consistency_level: 'Strong' };
    try {
      expect(await parses(() => node.handle('search', { ...strong, data: [q(), q()], limit: 5, filter: 'n < 10' }))).toBe(1);
      expect(pool.stats().segments, `seed ${seed}`).toBeGreaterThan(0);
      expect(await parses(() => node.handle('search', { ...strong, data: [q()], limit: 5, group_by_field: 'n', filter: 'n > 2' }))).toBe(1);
      expect(await parses(() => node.handle('query', { ...strong, filter: 'n in [1, 2, 3]', output_fields: ['n'] }))).toBe(1);
      expect(await parses(() => node.handle('query', { ...strong, filter: 'n >= 4', output_fields: ['count(*)'] }))).toBe(1);
      expect(await parses(() => node.handle('get', { ...strong, ids: [1, 2, 3] }))).toBe(0);
      const sub = (filter: string) => ({ data: [q()], anns_field: 'v', limit: 4, filter });
      expect(await parses(() => node.handle('hybridSearch', { ...strong, search: [sub('n < 5'), sub('n > 5')], rerank: { strategy: 'rrf' } }))).toBe(2);
      expect(await parses(() => node.handle('search', { ...strong, data: [q()], limit: 5 }))).toBe(0);
    } finally {
      await node.close();
      pool.close();
    }
  });

  it('a plan survives structuredClone and reads the same', async () => {
    const { node, pool, rng } = await setup();
    try {
      const info = node.ctx.collection({ collection_name: 'p' });
      const mgr = await node.ctx.data(info);
      const ts = mgr.deps.tso.current();
      const segs = mgr.segments();
      const search = prepareSearch(info, { data: [Array.from({ length: DIM }, () => rng.next())], limit: 6, filter: 'n < 12', output_fields: ['n'] });
      expect(search.queries).toBeInstanceOf(Float32Array);
      const clone = structuredClone(search);
      expect(clone).toEqual(search);
      const hits = readSearch(segs, ts, search);
      expect(hits[0]!.length, `seed ${seed}`).toBe(6);
      expect(readSearch(segs, ts, clone)).toEqual(hits);
      const query = prepareQuery(info, { filter: 'n == 3 or id in [1, 2]', output_fields: ['n'], limit: 50 });
      if (query.kind !== 'query') throw new Error('not a query plan');
      expect(readQuery(segs, ts, structuredClone(query))).toEqual(readQuery(segs, ts, query));
      const hybrid = await prepareHybrid(info, { collection_name: 'p', search: [{ data: [[0, 0, 0, 0]], filter: 'n > 1' }], rerank: { strategy: 'weighted', params: { weights: [1] } } });
      expect(structuredClone(hybrid)).toEqual(hybrid);
    } finally {
      await node.close();
      pool.close();
    }
  });
});
