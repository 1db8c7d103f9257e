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

/**
 * wrangler's bundler (esbuild) resolves @vesper/* to their sources in the repository: the
 * "vesper-source" export condition ahead of wrangler's defaults. wrangler takes build
 * conditions only from this variable, read when it bundles.
 */
export const WRANGLER_SOURCE_CONDITIONS = 'vesper-source,workerd,worker,browser';

export async function startVesperWorker(): Promise<RunningWorker> {
  process.env.WRANGLER_BUILD_CONDITIONS ??= WRANGLER_SOURCE_CONDITIONS;
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
