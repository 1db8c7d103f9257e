/**
 * The Worker's bindings (wrangler.toml): the CatalogCoordinator Durable Object namespace, the
 * R2 bucket for segment, index and manifest files, and the optional root password secret.
 */
import type { CatalogCoordinator } from './catalog-coordinator.ts';

export interface Env {
  /** One CatalogCoordinator per database, addressed by `idFromName(dbName)`. */
  readonly CATALOG: DurableObjectNamespace<CatalogCoordinator>;
  /** Segment files, delete logs, index files and manifests, under `db/<dbName>/`. */
  readonly BUCKET: R2Bucket;
  /** The root user's password (`wrangler secret put ROOT_PASSWORD`); "Milvus" when unset. */
  readonly ROOT_PASSWORD?: string;
  /** "true" only in local development (`npm start`, tests): allows the default root password. */
  readonly VESPER_LOCAL_DEV?: string;
}
