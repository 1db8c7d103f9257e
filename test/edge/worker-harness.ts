/**
 * Starts the Vesper Worker locally on workerd with wrangler's `unstable_startWorker` (the root
 * wrangler.toml: CatalogCoordinator DOs + R2, in-memory storage so every run starts empty) on
 * loopback, and disposes it afterwards so no workerd process outlives the test file.
 */
import { fileURLToPath } from 'node:url';
import { unstable_DevEnv } from 'wrangler';

export interface RunningWorker {
  /** e.g. http://127.0.0.1:54321 (no trailing slash): wrangler's proxy Worker, in front of the Worker */
  readonly endpoint: string;
  /** The Worker's own workerd socket, without wrangler's proxy Worker in between (moves when the Worker is reloaded). */
  readonly directEndpoint: string;
  /**
   * Times the Worker was reloaded after it started: wrangler's bundler watches the sources even
   * with `watch: false` and restarts workerd (a new process, a new port) when one changes, so
   * requests in flight then fail: through the proxy with a non-JSON 503 "Your worker restarted
   * mid-request", direct with a reset. A campaign must not count those against Vesper.
   */
  readonly reloads: number;
  /** Errors wrangler reported (e.g. "Error inside ProxyWorker" and its cause), oldest first. */
  readonly devErrors: string[];
  dispose(): Promise<void>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * wrangler's bundler (esbuild) resolves @vesper/* to their sources in the repository: the
 * "vesper-source" export condition ahead of wrangler's defaults. wrangler takes build
 * conditions only from this variable, read when it bundles.
 */
export const WRANGLER_SOURCE_CONDITIONS = 'vesper-source,workerd,worker,browser';

interface DevEvent {
  readonly type: string;
  readonly reason?: string;
  readonly cause?: unknown;
  readonly proxyData?: { readonly userWorkerUrl?: { readonly protocol: string; readonly hostname: string; readonly port: string } };
}

/** Where a Worker keeps its state and which port it takes (a restart reuses both). */
export interface WorkerPlace {
  /** wrangler's persist directory (default: none, state in memory for the process's life). */
  readonly persistTo?: string;
  /** The proxy's port (default: any free one). */
  readonly port?: number;
  /** The wrangler configuration to start (default: the repository's wrangler.toml). */
  readonly config?: string;
}

export async function startVesperWorker(place: WorkerPlace = {}): Promise<RunningWorker> {
  process.env.WRANGLER_BUILD_CONDITIONS ??= WRANGLER_SOURCE_CONDITIONS;
  // unstable_startWorker is `new DevEnv().startWorker(...)`; built here to see its event bus:
  // the runtime's address (reloadComplete) and the errors it otherwise logs at debug level only
  const devEnv = new unstable_DevEnv();
  const devErrors: string[] = [];
  let direct = '';
  let reloads = -1;
  let reloaded: () => void = () => undefined;
  // the proxy is ready before the Worker behind it; requests wait in the proxy until then
  const workerReady = new Promise<void>((resolve) => (reloaded = resolve));
  const dispatch = devEnv.dispatch.bind(devEnv) as (event: DevEvent) => void;
  (devEnv as unknown as { dispatch: (event: DevEvent) => void }).dispatch = (event) => {
    const u = event.proxyData?.userWorkerUrl;
    if (event.type === 'reloadComplete' && u !== undefined) {
      direct = `${u.protocol}//${u.hostname}:${u.port}`;
      reloads++;
      reloaded();
    }
    if (event.type === 'error') {
      const cause = event.cause as { message?: string; stack?: string } | undefined;
      devErrors.push(`${event.reason ?? 'error'}: ${cause?.message ?? String(cause)}`);
    }
    dispatch(event);
  };
  const worker = await devEnv.startWorker({
    config: place.config ?? `${root}/wrangler.toml`,
    bindings: { VESPER_LOCAL_DEV: { type: 'plain_text', value: 'true' } },
    dev: {
      server: { hostname: '127.0.0.1', port: place.port ?? 0 },
      inspector: false,
      persist: place.persistTo ?? false,
      watch: false,
      liveReload: false,
      remote: false,
      logLevel: (process.env.VESPER_WRANGLER_LOG_LEVEL ?? 'warn') as 'warn',
    },
  });
  try {
    await worker.ready;
    const url = await worker.url;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the Worker did not start within 180 s: ${devErrors.join('; ') || 'no error reported'}`)), 180_000);
    });
    await Promise.race([workerReady, stuck]).finally(() => clearTimeout(timer));
    return {
      endpoint: url.origin,
      get directEndpoint() {
        return direct;
      },
      get reloads() {
        return reloads;
      },
      devErrors,
      dispose: () => worker.dispose(),
    };
  } catch (e) {
    await worker.dispose();
    throw e;
  }
}
