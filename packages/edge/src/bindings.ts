/**
 * The Worker's bindings (wrangler.toml): the CatalogCoordinator, ShardLeader, QueryNode and
 * AccessControl Durable Object namespaces, the R2 bucket for segment, index and manifest files, the root password
 * secret and the limit vars (limits.ts).
 */
import type { AccessControlRpc, CatalogCoordinatorRpc, QueryNodeRpc, ShardLeaderRpc } from './do-contracts.ts';

export interface Env {
  /** One CatalogCoordinator per database, addressed by `idFromName(dbName)`. */
  readonly CATALOG: DurableObjectNamespace<CatalogCoordinatorRpc>;
  /** One ShardLeader per (database, collection, shard): `idFromName("<db>/c<id>/s<shard>")`. */
  readonly SHARD_LEADER: DurableObjectNamespace<ShardLeaderRpc>;
  /** Query nodes of a shard: `idFromName("<db>/c<id>/s<shard>/q<k>")`. */
  readonly QUERY_NODE: DurableObjectNamespace<QueryNodeRpc>;
  /** Users, roles and grants: one AccessControl DO, `idFromName("rbac")`. */
  readonly ACCESS: DurableObjectNamespace<AccessControlRpc>;
  /** Segment files, delete logs, index files and manifests, under `db/<dbName>/`; import files anywhere. */
  readonly BUCKET: R2Bucket;
  /** The root user's password (`wrangler secret put ROOT_PASSWORD`); "Milvus" when unset. */
  readonly ROOT_PASSWORD?: string;
  /** "true" only in local development (`npm start`, tests): allows the default root password. */
  readonly VESPER_LOCAL_DEV?: string;
  /** Requests per second per database for writes, reads and DDL (unset or 0: unlimited). */
  readonly VESPER_RATE_DML?: string;
  readonly VESPER_RATE_DQL?: string;
  readonly VESPER_RATE_DDL?: string;
  /** Largest accepted bulk request body in bytes (default 32 MiB, limits.ts). */
  readonly VESPER_MAX_BODY_BYTES?: string;
  /** Bytes of sealed data one QueryNode serves (default 48 MiB). */
  readonly VESPER_QUERY_NODE_MAX_BYTES?: string;
  /** Age in ms below which no file is garbage-collected after a compaction (default 1 hour). */
  readonly VESPER_GC_GRACE_MS?: string;
  /** Ms without writes a shard leader waits before building indexes (default 1000; 0: build at once). */
  readonly VESPER_BUILD_QUIET_MS?: string;
  /** Rows at which a shard leader seals its growing segment (default: core's seal policy). */
  readonly VESPER_SEGMENT_MAX_ROWS?: string;
  /** Default request timeout in seconds when no Request-Timeout header is sent (default 30). */
  readonly VESPER_REQUEST_TIMEOUT_S?: string;
}
