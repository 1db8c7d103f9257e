/**
 * The Vesper Worker on local workerd from a snapshot of the sources (the edge and replica
 * benchmarks): bundled once as
 * `wrangler deploy --dry-run` bundles it and served by Miniflare from workerd's own socket
 * (in-memory DO storage and R2), as bench/suites/edge.ts does. The replica benchmark uses
 * this rather than test/edge/worker-harness.ts `startVesperWorker()`: wrangler's dev server
 * watches the sources even with `watch: false` and restarts workerd — losing an in-memory
 * collection — whenever a file under packages/ changes, which happens during a benchmark run
 * when others work in the same checkout.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { WRANGLER_SOURCE_CONDITIONS } from '../../test/edge/worker-harness.ts';

export interface SnapshotWorker {
  /** e.g. http://127.0.0.1:54321 */
  readonly endpoint: string;
  dispose(): Promise<void>;
}

export async function startSnapshotWorker(): Promise<SnapshotWorker> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const out = mkdtempSync(join(tmpdir(), 'vesper-replica-worker-'));
  const env = { ...process.env, WRANGLER_BUILD_CONDITIONS: process.env.WRANGLER_BUILD_CONDITIONS ?? WRANGLER_SOURCE_CONDITIONS };
  execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', out], { cwd: root, stdio: 'ignore', env });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(`${root}/wrangler.toml`);
  const mf = new Miniflare({
    ...(workerOptions as object),
    name: 'vesper',
    modules: true,
    scriptPath: join(out, 'index.js'),
    modulesRoot: out,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    bindings: { VESPER_LOCAL_DEV: 'true' },
    host: '127.0.0.1',
    port: 0,
  } as ConstructorParameters<typeof Miniflare>[0]);
  const dispose = async () => {
    await mf.dispose();
    rmSync(out, { recursive: true, force: true });
  };
  try {
    return { endpoint: (await mf.ready).origin.replace(/\/$/, ''), dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
