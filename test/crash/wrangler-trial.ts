/**
 * Crash trials on workerd (`npm run crash-trials -- --runtime wrangler`): `wrangler dev` with
 * persisted local state (Durable Object SQLite + R2 on disk) runs in its own process group;
 * this process is the REST client. It writes a seeded stream of inserts, upserts, deletes,
 * flushes, compactions and index rebuilds (release, drop index, create index, load) on a
 * single-shard collection with small segments, then SIGKILLs the whole group (wrangler and
 * its workerd) at a random moment, restarts `wrangler dev` on the same state and checks, over
 * REST, what crash-trials.ts checks in Node: acknowledged batches present and whole, deletes
 * kept, the batch in flight all or nothing, no row that no batch wrote, search (FLAT, L2)
 * equal to brute force over the surviving rows, and a new write taken.
 *
 * Each trial writes its own wrangler.toml (the root one with an absolute `main`) into its
 * temporary directory, so wrangler's bundle output (.wrangler/tmp) and the persisted state
 * live there and go with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Random } from '@vesper/core';
import { checkSurvivors, type Batch, type TrialResult } from './crash-trials.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const WRANGLER = join(root, 'node_modules', '.bin', 'wrangler');
const AUTH = { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

class Dev {
  private constructor(
    readonly proc: ChildProcess,
    readonly endpoint: string,
    private readonly exited: Promise<void>,
    readonly log: () => string,
  ) {}

  /** Starts `wrangler dev` on `dir`'s config and state; resolves once /health answers. */
  static async start(dir: string): Promise<Dev> {
    const port = await freePort();
    const inspector = await freePort();
    const args = ['dev', '--config', join(dir, 'wrangler.toml'), '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), '--persist-to', join(dir, 'state'),
      '--var', 'VESPER_LOCAL_DEV:true', '--var', 'VESPER_SEGMENT_MAX_ROWS:80', '--var', 'VESPER_BUILD_QUIET_MS:0', '--var', 'VESPER_GC_GRACE_MS:1000',
      '--show-interactive-dev-session=false', '--log-level', 'warn'];
    // detached: its own process group, so one kill reaches wrangler and the workerd it spawns
    const proc = spawn(WRANGLER, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_BUILD_CONDITIONS: 'vesper-source,workerd,worker,browser', WRANGLER_SEND_METRICS: 'false' } });
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => void (out = (out + c.toString()).slice(-4000)));
    proc.stderr!.on('data', (c: Buffer) => void (out = (out + c.toString()).slice(-4000)));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const dev = new Dev(proc, `http://127.0.0.1:${port}`, exited, () => out);
    const deadline = Date.now() + 120_000;
    let gone = false;
    void exited.then(() => (gone = true));
    for (;;) {
      if (gone) throw new Error(`wrangler dev exited before it served: ${out.slice(-1500)}`);
      try {
        const r = await fetch(`${dev.endpoint}/health`, { signal: AbortSignal.timeout(2000) });
        if (r.ok) return dev;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        await dev.kill();
        throw new Error(`wrangler dev did not answer /health within 120 s: ${out.slice(-1500)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGKILLs the whole process group and waits for wrangler to be gone. */
  async kill(): Promise<void> {
    try {
      process.kill(-this.proc.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.exited;
  }

  async call(route: string, body: unknown): Promise<Record<string, unknown>> {
    const r = await fetch(`${this.endpoint}/v2/vectordb/${route}`, { method: 'POST', headers: AUTH, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
    return (await r.json()) as Record<string, unknown>;
  }

  /** A call that must answer code 0. */
  async must(route: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await this.call(route, body);
    if (res['code'] !== 0) throw new Error(`${route}: ${JSON.stringify(res).slice(0, 300)}`);
    return res;
  }
}

async function trialConfig(dir: string): Promise<void> {
  const toml = await readFile(join(root, 'wrangler.toml'), 'utf8');
  const main = JSON.stringify(join(root, 'packages/edge/src/index.ts'));
  const out = toml.replace(/^main = .*$/m, `main = ${main}`);
  if (out === toml) throw new Error('wrangler.toml has no main line');
  await writeFile(join(dir, 'wrangler.toml'), out);
}

const COLLECTION = 'c';

/** The workload until the server is killed: returns acknowledged batches and the one in flight. */
async function workload(dev: Dev, rng: Random, killAt: number): Promise<{ acked: Batch[]; pending: Batch | undefined; error?: string }> {
  const acked: Batch[] = [];
  let pending: Batch | undefined;
  const live = new Set<number>();
  let next = 0;
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    void dev.kill();
  }, Math.max(0, killAt - Date.now()));
  try {
    for (let version = 1; ; version++) {
      const op = rng.next();
      const vec = (id: number): number[] => [id % 97, version % 89, rng.next(), rng.next()].map(Math.fround);
      const c = COLLECTION;
      if (op < 0.45 || live.size < 5) {
        const pks = Array.from({ length: rng.range(1, 40) }, () => next++);
        pending = { version, kind: 'insert', pks };
        await dev.must('entities/insert', { collectionName: c, data: pks.map((id) => ({ id, vector: vec(id), ver: version })) });
        for (const k of pks) live.add(k);
      } else if (op < 0.65) {
        const pks = [...new Set(Array.from({ length: rng.range(1, 10) }, () => rng.pick([...live])))];
        pending = { version, kind: 'upsert', pks };
        await dev.must('entities/upsert', { collectionName: c, data: pks.map((id) => ({ id, vector: vec(id), ver: version })) });
      } else if (op < 0.85) {
        const pks = [...new Set(Array.from({ length: rng.range(1, 8) }, () => rng.pick([...live])))];
        pending = { version, kind: 'delete', pks };
        await dev.must('entities/delete', { collectionName: c, filter: `id in [${pks.join(',')}]` });
        for (const k of pks) live.delete(k);
      } else if (op < 0.93) {
        pending = { version, kind: 'flush', pks: [] };
        await dev.must('collections/flush', { collectionName: c });
      } else if (op < 0.98) {
        pending = { version, kind: 'compact', pks: [] };
        await dev.must('collections/compact', { collectionName: c });
      } else {
        pending = { version, kind: 'reindex', pks: [] };
        await dev.must('collections/release', { collectionName: c });
        await dev.must('indexes/drop', { collectionName: c, indexName: 'vector' });
        await dev.must('indexes/create', { collectionName: c, indexParams: [{ fieldName: 'vector', indexName: 'vector', metricType: 'L2', indexType: 'FLAT' }] });
        await dev.must('collections/load', { collectionName: c });
      }
      acked.push(pending);
      pending = undefined;
    }
  } catch (e) {
    if (killed) return { acked, pending };
    return { acked, pending, error: `workload failed before the kill: ${(e as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

/** One wrangler trial: start, write, SIGKILL the group, restart on the same state, verify. */
export async function wranglerCrashTrial(seed: number, maxKillMs = 4000): Promise<TrialResult> {
  const rng = new Random(seed ^ 0x5eed);
  const dir = await mkdtemp(join(tmpdir(), 'vesper-crash-wrangler-'));
  const failures: string[] = [];
  let dev: Dev | undefined;
  try {
    await trialConfig(dir);
    dev = await Dev.start(dir);
    await dev.must('collections/create', {
      collectionName: COLLECTION,
      schema: { autoID: false, fields: [
        { fieldName: 'id', dataType: 'Int64', isPrimary: true },
        { fieldName: 'vector', dataType: 'FloatVector', elementTypeParams: { dim: 4 } },
        { fieldName: 'ver', dataType: 'Int64' },
      ] },
      params: { shardsNum: 1 },
      indexParams: [{ fieldName: 'vector', indexName: 'vector', metricType: 'L2', indexType: 'FLAT' }],
    });
    const killAt = Date.now() + rng.range(150, Math.max(151, maxKillMs));
    const { acked, pending, error } = await workload(dev, rng, killAt);
    await dev.kill();
    if (error !== undefined) failures.push(error);
    dev = await Dev.start(dir);

    const state = await dev.must('collections/get_load_state', { collectionName: COLLECTION });
    if ((state['data'] as { loadState?: string }).loadState !== 'LoadStateLoaded') await dev.must('collections/load', { collectionName: COLLECTION });
    const res = await dev.must('entities/query', { collectionName: COLLECTION, filter: 'id >= 0', outputFields: ['id', 'ver', 'vector'], limit: 16384, consistencyLevel: 'Strong' });
    const got = new Map((res['data'] as Record<string, unknown>[]).map((r) => [Number(r['id']), { ver: Number(r['ver']), vector: r['vector'] as number[] }]));
    const live = dev;
    failures.push(...(await checkSurvivors(acked, pending, got, rng, async (query, k) => {
      const s = await live.must('entities/search', { collectionName: COLLECTION, data: [query], annsField: 'vector', limit: k, consistencyLevel: 'Strong' });
      return (s['data'] as { distance: number }[]).map((h) => Number(h.distance));
    })));
    await dev.must('entities/insert', { collectionName: COLLECTION, data: [{ id: 10_000_000, vector: [0, 0, 0, 0], ver: 0 }] });
    const one = await dev.must('entities/get', { collectionName: COLLECTION, id: [10_000_000], outputFields: ['ver'], consistencyLevel: 'Strong' });
    if ((one['data'] as unknown[]).length !== 1) failures.push('the restarted endpoint did not take a write');
    return { seed, acknowledged: acked.filter((b) => b.pks.length > 0).length, inFlight: pending?.kind ?? 'none', failures };
  } catch (e) {
    failures.push(`trial error: ${e instanceof Error ? e.stack ?? e.message : String(e)}${dev ? `\nwrangler output: ${dev.log().slice(-800)}` : ''}`);
    return { seed, acknowledged: 0, inFlight: '?', failures };
  } finally {
    await dev?.kill();
    await rm(dir, { recursive: true, force: true });
  }
}
