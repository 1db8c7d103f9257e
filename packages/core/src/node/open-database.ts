/**
 * The Node way to open an embedded Vesper database: WASM kernels loaded from the package,
 * storage in a directory (`{ path }`) or in memory (`'memory://'`).
 */
import { VesperClient } from '../client/vesper-client.ts';
import type { EngineOptions } from '../proxy/proxy-context.ts';
import { loadKernelsNode } from './kernels.ts';
import { openFsStorage } from './fs-storage.ts';

export interface NodeOpenOptions extends EngineOptions {
  /** A directory for the database (created if missing); omit for memory. */
  readonly path?: string;
}

/**
 * Opens a database in Node.
 * @throws SERVICE_UNAVAILABLE when another process holds the directory.
 */
export async function openDatabase(opts: NodeOpenOptions = {}): Promise<VesperClient> {
  await loadKernelsNode();
  const storage = opts.path === undefined ? 'memory://' : await openFsStorage(opts.path);
  return VesperClient.open({ ...opts, storage });
}
