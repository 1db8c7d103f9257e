/**
 * A grouping search on a QueryNode over a sealed segment larger than the index topk bound
 * (16384): the node holds the segment lean — an IVF_FLAT index cannot serve the rows' vectors
 * (HNSW and FLAT can: their column is served from the index), so the vector column stays in
 * R2 — and its index alone answers at most its best 16384 rows, missing a group's members
 * beyond them. The node reads the column back and scans the segment exactly: its answer, merged
 * as a leader merges it, equals the exact grouped search (oracle: rows sorted by distance,
 * walked group by group in the test).
 *
 * The 20,000-row segment is written to R2 by an in-isolate ProxyNode (the test config seals edge
 * segments at 150 rows) and fed to a QueryNode DO as its leader would feed it.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DataType, ProxyNode, createMemoryStorage, getIndexFactory, initKernels, kernelsReady } from '@vesper/core';
import { composeTs, mergeSearchPlan, prepareSearch, writerAssignment, type PartialSearch } from '@vesper/core/distributed';
import kernelsModule from '@vesper/core/kernels.wasm';
import { Random } from '../../packages/core/src/util/random.ts';
import { R2ObjectStore } from '../../packages/edge/src/adapters/r2-object-store.ts';
import { unwrap } from '../../packages/edge/src/rpc.ts';
import { workerdSeed } from './seeded.ts';
import { groupedOracle } from '../read/grouped-oracle.ts';

const seed = workerdSeed();
const N = 20_000;
const DIM = 4;
const DB = 'grp13';
const POLICY = { maxRows: N * 2, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 0, compactDeletedRatio: 1 };

type Row = { id: number; g: number; v: number[] };

describe(`grouping search on a query node's 20,000-row lean segment (seed ${seed})`, () => {
  it('limit 100 + group_size 30 (and strict grouping) over IVF_FLAT equal the exact grouped search, far group members included', async () => {
    if (!kernelsReady()) await initKernels(kernelsModule);
    const rng = new Random(seed);
    const q = [0, 0, 0, 0];
    // group 0: one row at the query, its other 39 rows farther than every other row — beyond
    // the 16384 nearest, so no index search of at most 16384 hits finds them
    const rows: Row[] = Array.from({ length: N }, (_, id) => {
      if (id === 0) return { id, g: 0, v: [1e-3, 0, 0, 0] };
      if (id <= 39) return { id, g: 0, v: Array.from({ length: DIM }, () => Math.fround(100 + rng.next())) };
      return { id, g: 1 + (id % 199), v: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())) };
    });
    const proxy = await ProxyNode.open({ ...createMemoryStorage(), objects: new R2ObjectStore(env.BUCKET, `db/${DB}/`) }, { indexFactory: getIndexFactory, sealPolicy: POLICY });
    try {
      const fields = [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'g', data_type: DataType.Int64 },
        { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      ];
      await proxy.handle('createCollection', { collection_name: 'big', fields, index_params: [{ field_name: 'v', metric_type: 'L2', index_type: 'IVF_FLAT', params: { nlist: 16 } }] });
      await proxy.handle('loadCollection', { collection_name: 'big' });
      await proxy.handle('insert', { collection_name: 'big', data: rows });
      await proxy.handle('flush', { collection_names: ['big'] });
      let state = '';
      for (let i = 0; i < 3000 && state !== 'Finished'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        state = String((await proxy.handle('describeIndex', { collection_name: 'big' })).index_descriptions[0]?.state);
      }
      expect(state, `seed ${seed}`).toBe('Finished');
      const info = proxy.ctx.collection({ collection_name: 'big' });
      const assignment = writerAssignment(await proxy.ctx.data(info));
      expect(assignment.records.map((r) => [r.rows, r.indexes.length]), `seed ${seed}`).toEqual([[N, 1]]);

      const node = env.QUERY_NODE.get(env.QUERY_NODE.idFromName(`${DB} grouping node`));
      const ts = composeTs(Date.now() + 60_000);
      const feed = { version: 'grouping-1', share: { db: DB, schema: info.schema, assignment } };
      /** The node's grouped answer, merged as its leader merges it: group -> ids, best first. */
      const grouped = async (req: Record<string, unknown>): Promise<Map<number, number[]>> => {
        const plan = prepareSearch(info, { data: [q], anns_field: 'v', group_by_field: 'g', output_fields: ['g'], ...req });
        const partial = unwrap((await node.search(feed, plan, ts)) as never) as PartialSearch;
        const groups = new Map<number, number[]>();
        for (const h of mergeSearchPlan(plan, [partial], true)[0]!) groups.set(Number(h.group), [...(groups.get(Number(h.group)) ?? []), Number(h.pk)]);
        return groups;
      };
      const want = groupedOracle(rows, q, 100, 30);
      expect(want.get(0)!.length, `seed ${seed}`).toBe(30);
      expect(await grouped({ limit: 100, group_size: 30 }), `seed ${seed}`).toEqual(want);
      // strict grouping scans every segment exactly: the lean segment too (it answered nothing before)
      expect(await grouped({ limit: 10, group_size: 5, strict_group_size: true }), `seed ${seed}`).toEqual(groupedOracle(rows, q, 10, 5));
      // the node still holds the whole segment (every row), read at the leader's snapshot
      expect((await node.held()).rows, `seed ${seed}`).toBe(N);
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
