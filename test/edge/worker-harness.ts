/**
 * Starts the Vesper Worker locally on workerd with wrangler's `unstable_startWorker` (the root
 * wrangler.toml: CatalogCoordinator DOs + R2, in-memory storage so every run starts empty) on
 * loopback, and disposes it afterwards so no workerd process outlives the test file.
 */
import { fileURLToPath } from 'node:url';
import { unstable_startWorker } from 'wrangler';

export interface RunningWorker {
  /** e.g. http://127.0.0.1:54321 (no trailing slash) */
  readonly endpoint: string;
  dispose(): Promise<void>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function startVesperWorker(): Promise<RunningWorker> {
  const worker = await unstable_startWorker({
    config: `${root}/wrangler.toml`,
    bindings: { VESPER_LOCAL_DEV: { type: 'plain_text', value: 'true' } },
    dev: {
      server: { hostname: '127.0.0.1', port: 0 },
      inspector: false,
      persist: false,
      watch: false,
      liveReload: false,
      remote: false,
      logLevel: 'warn',
    },
  });
  try {
    await worker.ready;
    const url = await worker.url;
    return { endpoint: url.origin, dispose: () => worker.dispose() };
  } catch (e) {
    await worker.dispose();
    throw e;
  }
}
