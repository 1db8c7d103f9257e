/**
 * The request shape of every REST v2 endpoint: the body keys each handler reads. Milvus's HTTP
 * server binds bodies into Go structs and drops keys it does not know; Vesper refuses them
 * instead (invariant 5, nothing silently ignored): a key outside its endpoint's shape is
 * PARAMETER_INVALID (1100) naming the key and the endpoint, before anything runs. Keys match
 * case-insensitively, as Body reads them. `dbName` is allowed everywhere (router.ts reads it).
 *
 * Nested objects (collection `params`, `schema`, `schema.fields[]`, `indexParams[]`,
 * `searchParams`, hybrid `search[]` and `rerank`) are checked by their handlers with `checkKeys`.
 * A route added to ROUTES needs an entry here (test/edge/rest-request-shapes.test.ts checks it).
 */
import { VesperError, showValue } from '@vesper/core';
import type { Body } from './body.ts';

const COLLECTION = ['collectionName'];
const PARTITION = ['collectionName', 'partitionName'];
const PARTITIONS = ['collectionName', 'partitionNames'];
const INDEX = ['collectionName', 'indexName'];
const DROP_PROPERTIES = ['propertyKeys', 'deleteKeys'];
/** `expr` is the older name of `filter` (read as it). */
const FILTER = ['filter', 'expr', 'exprParams'];
const READ = ['partitionNames', 'consistencyLevel', 'outputFields'];
const GROUPING = ['groupingField', 'groupSize', 'strictGroupSize'];
/** hybrid_search and its older name advanced_search; functionScore is refused by the handler with its own message. */
const HYBRID = ['collectionName', 'search', 'rerank', 'functionScore', ...READ, 'limit', 'offset', ...GROUPING];

/** Top-level body keys per route (besides `dbName`). */
export const REQUEST_KEYS: Readonly<Record<string, readonly string[]>> = {
  'collections/list': [],
  'collections/has': COLLECTION,
  'collections/describe': COLLECTION,
  'collections/get_stats': COLLECTION,
  'collections/get_load_state': PARTITIONS,
  'collections/create': [
    'collectionName',
    'description',
    'dimension',
    'metricType',
    'idType',
    'autoID',
    'primaryFieldName',
    'primaryField',
    'vectorFieldName',
    'vectorField',
    'enableDynamicField',
    'enabledDynamicField',
    'schema',
    'indexParams',
    'params',
  ],
  'collections/drop': COLLECTION,
  'collections/load': COLLECTION,
  'collections/refresh_load': COLLECTION,
  'collections/release': COLLECTION,
  'collections/rename': ['collectionName', 'newCollectionName', 'newDbName'],
  'collections/flush': COLLECTION,
  'collections/compact': COLLECTION,
  'collections/get_compaction_state': ['jobID', 'compactionID'],
  'collections/alter_properties': ['collectionName', 'properties'],
  'collections/drop_properties': ['collectionName', ...DROP_PROPERTIES],
  'collections/fields/add': ['collectionName', 'schema'],
  'collections/fields/alter_properties': ['collectionName', 'fieldName', 'fieldParams'],
  'entities/insert': ['collectionName', 'partitionName', 'data'],
  'entities/upsert': ['collectionName', 'partitionName', 'data', 'partialUpdate'],
  'entities/delete': ['collectionName', 'partitionName', ...FILTER],
  'entities/get': ['collectionName', 'id', ...READ],
  'entities/query': ['collectionName', ...FILTER, ...READ, 'limit', 'offset', 'orderByFields', 'groupByFields', 'ignoreGrowing'],
  'entities/search': ['collectionName', 'data', 'vector', 'ids', 'annsField', ...FILTER, ...READ, 'limit', 'offset', 'searchParams', ...GROUPING],
  'entities/hybrid_search': HYBRID,
  'entities/advanced_search': HYBRID,
  // collectionName, fieldName, analyzerNames are refused by the handler with their own message
  'common/run_analyzer': ['text', 'analyzerParams', 'withDetail', 'withHash', 'collectionName', 'fieldName', 'analyzerNames'],
  'partitions/list': COLLECTION,
  'partitions/has': PARTITION,
  'partitions/get_stats': PARTITION,
  'partitions/create': PARTITION,
  'partitions/drop': PARTITION,
  'partitions/load': PARTITIONS,
  'partitions/release': PARTITIONS,
  'indexes/create': ['collectionName', 'indexParams'],
  'indexes/list': COLLECTION,
  'indexes/describe': INDEX,
  'indexes/alter_properties': [...INDEX, 'properties'],
  'indexes/drop_properties': [...INDEX, ...DROP_PROPERTIES],
  'indexes/drop': INDEX,
  'aliases/list': COLLECTION,
  'aliases/describe': ['aliasName'],
  'aliases/create': ['aliasName', 'collectionName'],
  'aliases/alter': ['aliasName', 'collectionName'],
  'aliases/drop': ['aliasName'],
  'databases/list': [],
  'databases/create': ['properties'],
  'databases/describe': [],
  'databases/alter': ['properties'],
  'databases/drop_properties': DROP_PROPERTIES,
  'databases/drop': [],
  'users/list': [],
  'users/describe': ['userName'],
  'users/create': ['userName', 'password', 'description'],
  'users/update_password': ['userName', 'password', 'newPassword', 'description'],
  'users/drop': ['userName'],
  'users/grant_role': ['userName', 'roleName'],
  'users/revoke_role': ['userName', 'roleName'],
  'users/create_api_key': ['userName'],
  'users/drop_api_key': ['keyId'],
  'roles/list': [],
  'roles/describe': ['roleName'],
  'roles/create': ['roleName', 'description'],
  'roles/drop': ['roleName'],
  'roles/grant_privilege': ['roleName', 'objectType', 'objectName', 'privilege'],
  'roles/revoke_privilege': ['roleName', 'objectType', 'objectName', 'privilege'],
  'jobs/import/create': ['collectionName', 'partitionName', 'files'],
  'jobs/import/list': COLLECTION,
  'jobs/import/get_progress': ['jobId'],
};

const lowered = new WeakMap<readonly string[], ReadonlySet<string>>();
const withDb = new Map<string, readonly string[]>();

function lowerSet(keys: readonly string[]): ReadonlySet<string> {
  let s = lowered.get(keys);
  if (s === undefined) {
    s = new Set(keys.map((k) => k.toLowerCase()));
    lowered.set(keys, s);
  }
  return s;
}

/**
 * Refuses a key of `body` outside `allowed` (case-insensitive).
 * @throws PARAMETER_INVALID (1100) naming the first unknown key, where it was, and what is accepted
 */
export function checkKeys(body: Body, allowed: readonly string[], where: string): void {
  const set = lowerSet(allowed);
  for (const k of Object.keys(body.raw)) {
    if (set.has(k.toLowerCase())) continue;
    const accepted = allowed.length === 0 ? 'it takes no parameters' : `accepted: ${allowed.join(', ')}`;
    throw new VesperError('PARAMETER_INVALID', `unknown parameter ${showValue(k)} in ${where} (Vesper refuses what it would otherwise ignore; ${accepted})`);
  }
}

/** The top-level check of a route's body (skipped for a route without a shape here). @throws PARAMETER_INVALID (1100) */
export function checkRequestKeys(route: string, body: Body): void {
  const keys = REQUEST_KEYS[route];
  if (keys === undefined) return;
  let all = withDb.get(route);
  if (all === undefined) {
    all = [...keys, 'dbName'];
    withDb.set(route, all);
  }
  checkKeys(body, all, route);
}
