/**
 * What a reopen keeps in Chromium (`opfs://`, two query workers): a released partition stays
 * released (its rows hidden, a read naming it 201) while the rest stays loaded, and collection
 * properties (TTL, mmap.enabled) and a dropped property stay as they were set.
 */
import { expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { openDatabase } from '../../packages/browser/src/index.ts';
import { freshName } from './browser-helpers.ts';

const C = 'reopened';
const STRONG = { collection_name: C, consistency_level: 'Strong' as const };

it('a released partition and collection properties survive a reopen', async () => {
  const url = `opfs://${freshName('load-state')}`;
  const open = () => openDatabase(url, { kernels: kernelsUrl, queryWorkers: 2, multiTab: false });
  let db = await open();
  await db.createCollection({
    collection_name: C,
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'vec', data_type: 'FloatVector', dim: 2 },
    ],
    index_params: [{ field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }],
    properties: { 'collection.ttl.seconds': '86400', 'app.owner': 'tests' },
  } as never);
  await db.createPartition({ collection_name: C, partition_name: 'p1' });
  await db.insert({ collection_name: C, partition_name: 'p1', data: [{ id: 1, vec: [1, 0] }, { id: 2, vec: [2, 0] }] });
  await db.insert({ collection_name: C, data: [{ id: 3, vec: [3, 0] }] });
  await db.flush({ collection_names: [C] });
  await db.releasePartitions({ collection_name: C, partition_names: ['p1'] });
  await db.alterCollectionProperties({ collection_name: C, properties: { 'mmap.enabled': 'true' } });
  await db.dropCollectionProperties({ collection_name: C, properties: ['app.owner'] });
  const state = async (): Promise<unknown> => {
    const props = ((await db.describeCollection({ collection_name: C })) as unknown as { properties: { key: string; value: string }[] }).properties;
    const rows = await db.query({ ...STRONG, filter: 'id > 0', output_fields: ['id'] });
    const p1 = await db.query({ ...STRONG, filter: 'id > 0', partition_names: ['p1'], output_fields: ['id'] }).then(
      () => 'answered',
      (e: unknown) => (e as { code: number }).code,
    );
    return {
      props: Object.fromEntries(props.map((p) => [p.key, p.value])),
      p1State: (await db.getLoadState({ collection_name: C, partition_names: ['p1'] })).state,
      state: (await db.getLoadState({ collection_name: C })).state,
      ids: (rows.data as { id: unknown }[]).map((r) => Number(r.id)),
      p1,
    };
  };
  const want = {
    props: { 'collection.ttl.seconds': '86400', 'mmap.enabled': 'true' },
    p1State: 'LoadStateNotLoad',
    state: 'LoadStateLoaded',
    ids: [3],
    p1: 201,
  };
  expect(await state()).toEqual(want);
  await db.close();
  db = await open();
  expect(await state()).toEqual(want);
  // loading the partition again brings its rows back
  await db.loadPartitions({ collection_name: C, partition_names: ['p1'] });
  const all = await db.query({ ...STRONG, filter: 'id > 0', output_fields: ['id'] });
  expect((all.data as { id: unknown }[]).map((r) => Number(r.id)).sort()).toEqual([1, 2, 3]);
  await db.close();
});
