/**
 * Milvus's privilege catalog and the privilege each REST v2 endpoint checks (Milvus's proxy
 * privilege interceptor, RBAC v1 names). Every privilege has a level — Cluster, Database or
 * Collection — as Milvus's `GetPrivilegeLevel` assigns it; the built-in privilege groups
 * (ClusterReadOnly, DatabaseAdmin, CollectionReadWrite, ...) grant a set at once, and `*` /
 * `All` grant everything.
 *
 * Objects: a grant names an object type — `Global` (Milvus's cluster scope; `User` is an
 * alias Milvus uses for UpdateUser/SelectUser), `Database` or `Collection` — an object name
 * (`*` or a name) and a database (`*` or a name). Scopes nest: a Global grant covers every
 * object of its database, a Database grant covers the database and its collections, a
 * Collection grant covers one collection (or all, with `*`). Cluster-level privileges
 * (CreateDatabase, user and role management, ...) are checked in the `default` database,
 * where the database registry lives; every other check is in the request's own database, so
 * a grant on db1 never opens db2.
 */
export type PrivilegeLevel = 'Cluster' | 'Database' | 'Collection';
export type ObjectType = 'Global' | 'Database' | 'Collection';

const COLLECTION_READ_ONLY = ['Query', 'Search', 'IndexDetail', 'GetFlushState', 'GetLoadState', 'GetLoadingProgress', 'HasPartition', 'ShowPartitions', 'DescribeCollection', 'DescribeAlias', 'GetStatistics', 'ListAliases'];
const COLLECTION_READ_WRITE = [...COLLECTION_READ_ONLY, 'Load', 'Release', 'Insert', 'Delete', 'Upsert', 'Import', 'Flush', 'Compaction', 'LoadBalance', 'CreateIndex', 'DropIndex', 'CreatePartition', 'DropPartition'];
const COLLECTION_ADMIN = [...COLLECTION_READ_WRITE, 'CreateAlias', 'DropAlias'];
const DATABASE_READ_ONLY = ['ShowCollections', 'DescribeDatabase'];
const DATABASE_READ_WRITE = [...DATABASE_READ_ONLY, 'AlterDatabase'];
const DATABASE_ADMIN = [...DATABASE_READ_WRITE, 'CreateCollection', 'DropCollection'];
const CLUSTER_READ_ONLY = ['ListDatabases', 'SelectOwnership', 'SelectUser', 'DescribeResourceGroup', 'ListResourceGroups', 'ListPrivilegeGroups'];
const CLUSTER_READ_WRITE = [...CLUSTER_READ_ONLY, 'FlushAll', 'TransferNode', 'TransferReplica', 'UpdateResourceGroups'];
const CLUSTER_ADMIN = [
  ...CLUSTER_READ_WRITE,
  'BackupRBAC', 'RestoreRBAC', 'CreateDatabase', 'DropDatabase', 'CreateOwnership', 'DropOwnership', 'ManageOwnership',
  'CreateResourceGroup', 'DropResourceGroup', 'UpdateUser', 'RenameCollection', 'CreatePrivilegeGroup', 'DropPrivilegeGroup', 'OperatePrivilegeGroup',
];

/**
 * Milvus's built-in privilege groups. A Map, not a plain object: names come from requests, and
 * a lookup of `constructor` or `__proto__` on an object literal finds Object.prototype's.
 */
export const PRIVILEGE_GROUPS: ReadonlyMap<string, readonly string[]> = new Map(Object.entries({
  CollectionReadOnly: COLLECTION_READ_ONLY,
  CollectionReadWrite: COLLECTION_READ_WRITE,
  CollectionAdmin: COLLECTION_ADMIN,
  DatabaseReadOnly: DATABASE_READ_ONLY,
  DatabaseReadWrite: DATABASE_READ_WRITE,
  DatabaseAdmin: DATABASE_ADMIN,
  ClusterReadOnly: CLUSTER_READ_ONLY,
  ClusterReadWrite: CLUSTER_READ_WRITE,
  ClusterAdmin: CLUSTER_ADMIN,
}));

/** The wildcard privileges. */
export const ALL_PRIVILEGES = new Set(['*', 'All']);

const LEVEL = new Map<string, PrivilegeLevel>();
for (const p of COLLECTION_ADMIN) LEVEL.set(p, 'Collection');
for (const p of DATABASE_ADMIN) LEVEL.set(p, 'Database');
for (const p of CLUSTER_ADMIN) LEVEL.set(p, 'Cluster'); // Milvus checks Cluster first

/** The level of a privilege, undefined for a name Milvus does not define. */
export function privilegeLevel(name: string): PrivilegeLevel | undefined {
  return LEVEL.get(name);
}

/** Whether a granted privilege (a name, a group or a wildcard) includes `wanted`. */
export function privilegeIncludes(granted: string, wanted: string): boolean {
  if (ALL_PRIVILEGES.has(granted) || granted === wanted) return true;
  return PRIVILEGE_GROUPS.get(granted)?.includes(wanted) ?? false;
}

/** Canonical object type of a grant (case-insensitive; Milvus's `User` is cluster scope). */
export function objectTypeOf(name: string): ObjectType | undefined {
  const n = name.toLowerCase();
  if (n === 'global' || n === 'user' || n === 'cluster') return 'Global';
  if (n === 'database') return 'Database';
  if (n === 'collection') return 'Collection';
  return undefined;
}

/** What one request must be allowed to do. */
export interface Need {
  readonly privilege: string;
  readonly level: PrivilegeLevel;
  /** The database the check is made in ("default" for cluster-level privileges). */
  readonly db: string;
  /**
   * The collection for collection-level checks ("*" when the request names none); undefined
   * asks whether the privilege is held on any collection of `db` (the up-front check of an
   * endpoint whose collection is only known once the handler resolved its object).
   */
  readonly collection: string | undefined;
}

/**
 * Where an endpoint's check applies: `collection` — the request's `collectionName` (an alias
 * resolved to its collection); `targetDb` — the database the body names; `resolved` — the
 * object the handler acts on (an alias's collection, a job's collection), which only the
 * handler knows: the router checks the privilege is held somewhere in the database first and
 * the handler must authorize the resolved collection (rest/request-guard.ts enforces that).
 */
export type Target = 'collection' | 'targetDb' | 'resolved';
type NeedSpec = readonly [privilege: string, target?: Target];

/**
 * The privilege each endpoint checks, as Milvus's interceptor maps the underlying RPC.
 * Endpoints absent here check nothing beyond authentication (users/* self-service is decided
 * by the handler: a user may always describe themself and change their own password). A Map:
 * route names come from request paths.
 */
const ENDPOINT_PRIVILEGES: ReadonlyMap<string, NeedSpec> = new Map(Object.entries({
  'collections/list': ['ShowCollections'],
  'collections/has': ['DescribeCollection', 'collection'],
  'common/run_analyzer': ['DescribeCollection'],
  'collections/describe': ['DescribeCollection', 'collection'],
  'collections/get_stats': ['GetStatistics', 'collection'],
  'collections/get_load_state': ['GetLoadState', 'collection'],
  'collections/create': ['CreateCollection'],
  'collections/drop': ['DropCollection'],
  'collections/load': ['Load', 'collection'],
  'collections/refresh_load': ['Load', 'collection'],
  'collections/release': ['Release', 'collection'],
  'collections/rename': ['RenameCollection'],
  'collections/flush': ['Flush', 'collection'],
  'collections/compact': ['Compaction', 'collection'],
  // the compaction job's own collection, not a collectionName the body may carry
  'collections/get_compaction_state': ['Compaction', 'resolved'],
  // Milvus gates AlterCollection with no privilege of its own; changing a schema's properties
  // is a database-level DDL here, like creating the collection.
  'collections/alter_properties': ['CreateCollection'],
  'collections/drop_properties': ['CreateCollection'],
  // a schema change, gated like the other collection DDL above
  'collections/fields/add': ['CreateCollection'],
  'collections/fields/alter_properties': ['CreateCollection'],
  'entities/insert': ['Insert', 'collection'],
  'entities/upsert': ['Upsert', 'collection'],
  'entities/delete': ['Delete', 'collection'],
  'entities/get': ['Query', 'collection'],
  'entities/query': ['Query', 'collection'],
  'entities/search': ['Search', 'collection'],
  'entities/hybrid_search': ['Search', 'collection'],
  'entities/advanced_search': ['Search', 'collection'],
  'partitions/list': ['ShowPartitions', 'collection'],
  'partitions/has': ['HasPartition', 'collection'],
  'partitions/get_stats': ['GetStatistics', 'collection'],
  'partitions/create': ['CreatePartition', 'collection'],
  'partitions/drop': ['DropPartition', 'collection'],
  'partitions/load': ['Load', 'collection'],
  'partitions/release': ['Release', 'collection'],
  'indexes/create': ['CreateIndex', 'collection'],
  'indexes/list': ['IndexDetail', 'collection'],
  'indexes/describe': ['IndexDetail', 'collection'],
  'indexes/drop': ['DropIndex', 'collection'],
  // Milvus checks AlterIndex as index DDL on the collection, like creating one
  'indexes/alter_properties': ['CreateIndex', 'collection'],
  'indexes/drop_properties': ['CreateIndex', 'collection'],
  'aliases/list': ['ListAliases', 'collection'],
  // describe, alter and drop act on the alias's collection (alter also on the new target)
  'aliases/describe': ['DescribeAlias', 'resolved'],
  'aliases/create': ['CreateAlias', 'collection'],
  'aliases/alter': ['CreateAlias', 'resolved'],
  'aliases/drop': ['DropAlias', 'resolved'],
  'databases/create': ['CreateDatabase'],
  'databases/drop': ['DropDatabase'],
  'databases/describe': ['DescribeDatabase', 'targetDb'],
  'databases/alter': ['AlterDatabase', 'targetDb'],
  'databases/drop_properties': ['AlterDatabase', 'targetDb'],
  // databases/list answers every caller, filtered to the databases they hold grants in.
  'users/list': ['SelectUser'],
  'users/create': ['CreateOwnership'],
  'users/drop': ['DropOwnership'],
  'users/grant_role': ['ManageOwnership'],
  'users/revoke_role': ['ManageOwnership'],
  'roles/list': ['SelectOwnership'],
  'roles/describe': ['SelectOwnership'],
  'roles/create': ['CreateOwnership'],
  'roles/drop': ['DropOwnership'],
  'roles/grant_privilege': ['ManageOwnership'],
  'roles/revoke_privilege': ['ManageOwnership'],
  'jobs/import/create': ['Import', 'collection'],
  'jobs/import/list': ['Import', 'collection'],
  // the job's own collection
  'jobs/import/get_progress': ['Import', 'resolved'],
} satisfies Record<string, NeedSpec>));

/** An endpoint's check: its privilege, that privilege's level and where it applies. */
export interface EndpointCheck {
  readonly privilege: string;
  readonly level: PrivilegeLevel;
  readonly target: Target | undefined;
}

/** The check of an endpoint, undefined when it checks nothing beyond authentication. */
export function endpointCheck(route: string): EndpointCheck | undefined {
  const spec = ENDPOINT_PRIVILEGES.get(route);
  if (spec === undefined) return undefined;
  const [privilege, target] = spec;
  return { privilege, level: privilegeLevel(privilege) ?? 'Cluster', target };
}

/** The privilege table, for documentation and tests. */
export function endpointPrivileges(): Readonly<Record<string, string>> {
  return Object.fromEntries([...ENDPOINT_PRIVILEGES].map(([k, [p]]) => [k, p]));
}
