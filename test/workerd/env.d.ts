/**
 * Types for the suites that run inside workerd: the pool's `cloudflare:test` module, the
 * bindings test/workerd/vitest.config.ts gives the runner, and the main module's exports
 * (checked by packages/edge/tsconfig.json, never by the root Node tsconfig).
 */
/// <reference types="@cloudflare/vitest-pool-workers/types" />
import type * as EdgeMain from '../../packages/edge/src/index.ts';
import type { CatalogCoordinator } from '../../packages/edge/src/catalog-coordinator.ts';
import type { AccessControl } from '../../packages/edge/src/access/access-control.ts';
import type { ShardLeader } from '../../packages/edge/src/shard-leader.ts';
import type { QueryNode } from '../../packages/edge/src/query-node.ts';

declare global {
  namespace Cloudflare {
    interface Env {
      /** The seed randomized suites use, from the host's VESPER_SEED ('' when unset). */
      readonly VESPER_SEED: string;
      /** "true": local development, the default root password is allowed. */
      readonly VESPER_LOCAL_DEV: string;
      /** wrangler.toml's bindings (packages/edge/src/env.ts). */
      readonly CATALOG: DurableObjectNamespace<CatalogCoordinator>;
      readonly ACCESS: DurableObjectNamespace<AccessControl>;
      readonly SHARD_LEADER: DurableObjectNamespace<ShardLeader>;
      readonly QUERY_NODE: DurableObjectNamespace<QueryNode>;
      /** Small sizes from test/workerd/vitest.config.ts, so tests see many segments and query nodes. */
      readonly VESPER_SEGMENT_MAX_ROWS: string;
      readonly VESPER_QUERY_NODE_MAX_BYTES: string;
      readonly BUCKET: R2Bucket;
      readonly ROOT_PASSWORD?: string;
    }
    interface GlobalProps {
      /** wrangler.toml `main`: types `exports.default` from `cloudflare:workers` in the suites. */
      mainModule: typeof EdgeMain;
    }
  }
}
