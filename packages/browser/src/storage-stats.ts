/**
 * The browser's storage manager as database helpers: persistent storage on request (so the
 * browser does not evict the database under storage pressure) and usage/quota as stats.
 * Works on the page and in workers; where the API is missing the answers say so.
 */

export interface StorageStats {
  /** Bytes this origin uses (all databases, caches, ...), as the browser estimates it. */
  readonly usage: number | undefined;
  /** Bytes this origin may use before writes fail with RESOURCE_EXHAUSTED. */
  readonly quota: number | undefined;
  /** True when the browser granted persistent storage (no eviction under pressure). */
  readonly persisted: boolean;
}

interface StorageManagerLike {
  estimate?(): Promise<{ usage?: number; quota?: number }>;
  persist?(): Promise<boolean>;
  persisted?(): Promise<boolean>;
}

function manager(): StorageManagerLike | undefined {
  return (globalThis as { navigator?: { storage?: StorageManagerLike } }).navigator?.storage;
}

/** Asks for persistent storage (`navigator.storage.persist()`); resolves whether it is granted. */
export async function requestPersistence(): Promise<boolean> {
  const m = manager();
  if (m?.persisted !== undefined && (await m.persisted())) return true;
  return m?.persist !== undefined ? m.persist() : false;
}

/** `navigator.storage.estimate()` and `persisted()`, as database stats. */
export async function storageStats(): Promise<StorageStats> {
  const m = manager();
  const estimate = m?.estimate !== undefined ? await m.estimate() : {};
  const persisted = m?.persisted !== undefined ? await m.persisted() : false;
  return { usage: estimate.usage, quota: estimate.quota, persisted };
}
