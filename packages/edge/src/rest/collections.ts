/**
 * `collections/*` (Milvus REST v2 handler_v2.go's collection group) on ProxyNode methods:
 * list, has, describe, get_stats, get_load_state, create, drop, load, release, refresh_load,
 * rename, flush, compact, get_compaction_state, alter_properties, drop_properties, and
 * `collections/fields/add` (a nullable scalar field, Milvus 2.6); `collections/fields/alter_properties`
 * is refused by name (1100) until field properties are implemented.
 */
import { VesperError } from '@vesper/core';
import { Body, defined, missing } from './body.ts';
import { createCollectionRequest, field } from './collection-create.ts';
import { describe, int64, type EngineDescription, type EngineField } from './schema-info.ts';
import type { RestCall, RestReply, RestRoutes } from './types.ts';

const EMPTY: RestReply = { data: {} };

interface IndexDescription {
  index_name: string;
  field_name: string;
  index_type: string;
  metric_type: string;
  params: { key: string; value: string }[];
  indexed_rows: string;
  total_rows: string;
  pending_index_rows: string;
  state: string;
}

/** Every index of a collection (none is not an error here). */
export async function indexDescriptions(call: RestCall, collection: string, indexName?: string): Promise<IndexDescription[]> {
  try {
    const res = await call.engine.call('describeIndex', defined({ collection_name: collection, index_name: indexName }));
    return res.index_descriptions;
  } catch (e) {
    if (VesperError.is(e, 'INDEX_NOT_FOUND') && indexName === undefined) return [];
    throw e;
  }
}

/** Milvus's name of a default value's oneof by data type (schemapb.ValueField). */
const VALUE_FIELD: Readonly<Record<string, string>> = {
  Bool: 'BoolData',
  Int8: 'IntData',
  Int16: 'IntData',
  Int32: 'IntData',
  Int64: 'LongData',
  Float: 'FloatData',
  Double: 'DoubleData',
  VarChar: 'StringData',
};

/**
 * A field's default value as Milvus's REST describe writes it: the Go protobuf struct encoded as
 * JSON, `{"Data": {"StringData": "123"}}` (LongData for Int64, IntData for Int8..Int32, ...).
 * Int64 follows the request's `Accept-Type-Allow-Int64` as every Int64 value does.
 */
function restDefaultValue(f: EngineField, allowInt64: boolean): unknown {
  const v = f.default_value;
  if (v === undefined || v === null) return undefined;
  const key = VALUE_FIELD[f.data_type];
  if (key === undefined) return v;
  return { Data: { [key]: f.data_type === 'Int64' ? int64(v, allowInt64) : v } };
}

function restField(f: EngineField, allowInt64: boolean): Record<string, unknown> {
  return defined({
    name: f.name,
    id: Number(f.fieldID),
    type: f.data_type,
    primaryKey: f.is_primary_key,
    partitionKey: f.is_partition_key,
    clusteringKey: f.is_clustering_key,
    autoId: f.autoID,
    description: f.description,
    nullable: f.nullable,
    defaultValue: restDefaultValue(f, allowInt64),
    elementType: f.element_type,
    params: f.type_params,
  });
}

async function describeCollection(call: RestCall): Promise<RestReply> {
  const name = call.body.need('collectionName');
  const d: EngineDescription = await describe(call.engine, name);
  const indexes = await indexDescriptions(call, d.collection_name);
  return {
    data: {
      collectionName: d.collection_name,
      collectionID: Number(d.collectionID),
      description: d.schema.description,
      autoId: d.schema.autoID,
      fields: d.schema.fields.map((f) => restField(f, call.allowInt64)),
      functions: (d.schema.functions ?? []).map((fn) => ({
        name: fn.name,
        description: fn.description,
        type: fn.type,
        inputFieldNames: fn.input_field_names,
        outputFieldNames: fn.output_field_names,
        params: Object.fromEntries(fn.params.map((p) => [p.key, p.value])),
      })),
      aliases: d.aliases,
      indexes: indexes.map((i) => ({ indexName: i.index_name, fieldName: i.field_name, metricType: i.metric_type })),
      load: d.loaded ? 'LoadStateLoaded' : 'LoadStateNotLoad',
      shardsNum: d.shards_num,
      partitionsNum: Number(d.num_partitions),
      consistencyLevel: d.consistency_level,
      enableDynamicField: d.schema.enable_dynamic_field,
      properties: d.properties,
      createdTime: Number(d.created_utc_timestamp),
    },
  };
}

const collection = (call: RestCall): Record<string, unknown> => ({ collection_name: call.body.need('collectionName') });

export const collectionRoutes: RestRoutes = {
  'collections/list': async (call) => {
    const res = await call.engine.call('showCollections', {});
    return { data: res.collection_names };
  },
  'collections/has': async (call) => {
    const res = await call.engine.call('hasCollection', collection(call));
    return { data: { has: res.value } };
  },
  'collections/describe': describeCollection,
  'collections/get_stats': async (call) => {
    const res = await call.engine.call('getCollectionStatistics', collection(call));
    return { data: { rowCount: Number(res.data.row_count) } };
  },
  'collections/get_load_state': async (call) => {
    const res = await call.engine.call('getLoadState', { ...collection(call), ...defined({ partition_names: call.body.strings('partitionNames') }) });
    return { data: res.state === 'LoadStateLoaded' ? { loadState: res.state, loadProgress: Number(res.progress) } : { loadState: res.state } };
  },
  'collections/create': async (call) => {
    await call.engine.call('createCollection', createCollectionRequest(call.body));
    return EMPTY;
  },
  'collections/drop': async (call) => {
    await call.engine.call('dropCollection', collection(call));
    return EMPTY;
  },
  'collections/load': async (call) => {
    await call.engine.call('loadCollection', collection(call));
    return EMPTY;
  },
  'collections/refresh_load': async (call) => {
    await call.engine.call('loadCollection', collection(call));
    return EMPTY;
  },
  'collections/release': async (call) => {
    await call.engine.call('releaseCollection', collection(call));
    return EMPTY;
  },
  'collections/rename': async (call) => {
    const req = collection(call);
    const newName = call.body.need('newCollectionName');
    const newDb = call.body.str('newDbName');
    if (newDb !== undefined && newDb !== '' && newDb !== call.dbName) {
      // Each database is its own Durable Object; moving a collection between them is not built yet.
      throw new VesperError('PARAMETER_INVALID', `renaming a collection into another database (${newDb}) is not supported on the edge yet`);
    }
    await call.engine.call('renameCollection', { ...req, new_collection_name: newName });
    return EMPTY;
  },
  'collections/flush': async (call) => {
    await call.engine.call('flush', { collection_names: [call.body.need('collectionName')] });
    return EMPTY;
  },
  'collections/compact': async (call) => {
    const res = await call.engine.call('compact', collection(call));
    return { data: { compactionID: Number(res.compactionID) } };
  },
  'collections/get_compaction_state': async (call) => {
    const id = call.body.get('jobID', 'compactionID');
    if (id === undefined) throw missing('jobID');
    const res = await call.engine.call('getCompactionState', { compactionID: String(id) });
    await call.authorizeOn(res['collection_name'] ?? '');
    return {
      data: {
        compactionID: Number(id),
        state: res['state'],
        executingPlanNo: Number(res['executingPlanNo']),
        timeoutPlanNo: Number(res['timeoutPlanNo']),
        completedPlanNo: Number(res['completedPlanNo']),
        failedPlanNo: Number(res['failedPlanNo']),
      },
    };
  },
  'collections/alter_properties': async (call) => {
    const props = call.body.get('properties');
    if (props === undefined) throw missing('properties');
    await call.engine.call('alterCollectionProperties', { ...collection(call), properties: Body.of(props, 'properties').raw });
    return EMPTY;
  },
  'collections/fields/add': async (call) => {
    const schema = call.body.get('schema');
    if (schema === undefined) throw missing('schema');
    await call.engine.call('addCollectionField', { ...collection(call), field: field(schema, undefined, 'schema') });
    return EMPTY;
  },
  'collections/fields/alter_properties': async (call) => {
    const fieldName = call.body.str('fieldName');
    if (fieldName === undefined) throw missing('fieldName');
    const params = call.body.get('fieldParams');
    if (params === undefined) throw missing('fieldParams');
    await call.engine.call('alterCollectionField', { ...collection(call), field_name: fieldName, field_params: params });
    return EMPTY;
  },
  'collections/drop_properties': async (call) => {
    const keys = call.body.strings('propertyKeys') ?? call.body.strings('deleteKeys');
    if (keys === undefined) throw missing('propertyKeys');
    await call.engine.call('alterCollectionProperties', { ...collection(call), delete_keys: keys });
    return EMPTY;
  },
};
