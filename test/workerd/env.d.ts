/**
 * Types for the suites that run inside workerd: the pool's `cloudflare:test` module, the
 * bindings test/workerd/vitest.config.ts gives the runner, and the main module's exports
 * (checked by packages/edge/tsconfig.json, never by the root Node tsconfig).
 */
/// <reference types="@cloudflare/vitest-pool-workers/types" />
import type * as EdgeMain from '../../packages/edge/src/index.ts';
import type { AccessControlRpc, CatalogCoordinatorRpc, QueryNodeRpc, ShardLeaderRpc } from '../../packages/edge/src/do-contracts.ts';

declare global {
  namespace Cloudflare {
    interface Env {
      /** The seed randomized suites use, from the host's VESPER_SEED ('' when unset). */
      readonly VESPER_SEED: string;
      /** "true": local development, the default root password is allowed. */
      readonly VESPER_LOCAL_DEV: string;
      /** wrangler.toml's bindings (packages/edge/src/env.ts). */
      readonly CATALOG: DurableObjectNamespace<CatalogCoordinatorRpc>;
      readonly ACCESS: DurableObjectNamespace<AccessControlRpc>;
      readonly SHARD_LEADER: DurableObjectNamespace<ShardLeaderRpc>;
      readonly QUERY_NODE: DurableObjectNamespace<QueryNodeRpc>;
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
