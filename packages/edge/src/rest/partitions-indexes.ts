/**
 * `partitions/*` and `indexes/*` (Milvus REST v2) on ProxyNode methods. Partition load and
 * release act on the whole collection (the engine loads collections, as Milvus 2.4+ does by
 * default); an index describe answers Milvus's build-progress shape.
 */
import { Body, defined, missing } from './body.ts';
import { indexParam } from './collection-create.ts';
import { indexDescriptions } from './collections.ts';
import type { RestCall, RestReply, RestRoutes } from './types.ts';

const EMPTY: RestReply = { data: {} };

const partition = (call: RestCall): Record<string, unknown> => ({
  collection_name: call.body.need('collectionName'),
  partition_name: call.body.need('partitionName'),
});

function partitionNames(call: RestCall): Record<string, unknown> {
  const names = call.body.strings('partitionNames');
  if (names === undefined || names.length === 0) throw missing('partitionNames');
  return { collection_name: call.body.need('collectionName'), partition_names: names };
}

export const partitionRoutes: RestRoutes = {
  'partitions/list': async (call) => {
    const res = await call.engine.call('showPartitions', { collection_name: call.body.need('collectionName') });
    return { data: res.partition_names };
  },
  'partitions/has': async (call) => {
    const res = await call.engine.call('hasPartition', partition(call));
    return { data: { has: res.value } };
  },
  'partitions/get_stats': async (call) => {
    const res = await call.engine.call('getPartitionStatistics', partition(call));
    return { data: { rowCount: Number(res.data.row_count) } };
  },
  'partitions/create': async (call) => {
    await call.engine.call('createPartition', partition(call));
    return EMPTY;
  },
  'partitions/drop': async (call) => {
    await call.engine.call('dropPartition', partition(call));
    return EMPTY;
  },
  'partitions/load': async (call) => {
    await call.engine.call('loadPartitions', partitionNames(call));
    return EMPTY;
  },
  'partitions/release': async (call) => {
    await call.engine.call('releasePartitions', partitionNames(call));
    return EMPTY;
  },
};

export const indexRoutes: RestRoutes = {
  'indexes/create': async (call) => {
    const collection = call.body.need('collectionName');
    const params = call.body.list('indexParams');
    if (params === undefined || params.length === 0) throw missing('indexParams');
    // Validate every entry before creating any, so a bad one changes nothing.
    const requests = params.map(indexParam);
    for (const r of requests) await call.engine.call('createIndex', { collection_name: collection, ...r });
    return EMPTY;
  },
  'indexes/list': async (call) => {
    const res = await call.engine.call('listIndexes', { collection_name: call.body.need('collectionName') });
    return { data: res.indexes };
  },
  'indexes/describe': async (call) => {
    const list = await indexDescriptions(call, call.body.need('collectionName'), call.body.need('indexName'));
    return {
      data: list.map((i) => ({
        indexName: i.index_name,
        fieldName: i.field_name,
        indexType: i.index_type,
        metricType: i.metric_type,
        totalRows: Number(i.total_rows),
        indexedRows: Number(i.indexed_rows),
        pendingRows: Number(i.pending_index_rows),
        indexState: i.state,
        failReason: '',
        params: Object.fromEntries(i.params.map((p) => [p.key, p.value])),
      })),
    };
  },
  'indexes/alter_properties': async (call) => {
    const props = call.body.get('properties');
    if (props === undefined) throw missing('properties');
    const req = { collection_name: call.body.need('collectionName'), index_name: call.body.need('indexName'), params: Body.of(props, 'properties').raw };
    await call.engine.call('alterIndexProperties', req);
    return EMPTY;
  },
  'indexes/drop_properties': async (call) => {
    const keys = call.body.strings('propertyKeys') ?? call.body.strings('deleteKeys');
    if (keys === undefined) throw missing('propertyKeys');
    await call.engine.call('dropIndexProperties', { collection_name: call.body.need('collectionName'), index_name: call.body.need('indexName'), delete_keys: keys });
    return EMPTY;
  },
  'indexes/drop': async (call) => {
    await call.engine.call('dropIndex', defined({ collection_name: call.body.need('collectionName'), index_name: call.body.need('indexName') }));
    return EMPTY;
  },
};
