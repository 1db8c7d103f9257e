/**
 * Crash trials (issue 11): a child process (crash-child.ts) runs a seeded write workload on a
 * file database and reports each batch before sending it and when it is acknowledged; this
 * parent SIGKILLs it at a random moment (mid-insert, mid-flush, mid-compaction, mid-index
 * rebuild, mid-delete — wherever the clock lands), reopens the directory in-process and checks:
 * - every acknowledged batch is present and whole, every acknowledged delete kept;
 * - the batch in flight at the kill is all there or not at all (one shard: one WAL record);
 * - no row exists that no batch wrote;
 * - search (FLAT, L2) equals brute force over the surviving rows;
 * - the reopened database takes a write.
 * Seeded: trial i uses seed + i for the workload and the kill delay; the seed is printed.
 *
 * CLI: npm run crash-trials -- --trials N [--seed S] [--runtime node|wrangler] [--concurrency C]
 * [--max-kill-ms MS]. `--runtime wrangler` kills `wrangler dev` (and its workerd) by process
 * group instead and verifies over REST after a restart on the same state (wrangler-trial.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Random, testSeed } from '@vesper/core';
import { openDatabase } from '@vesper/core/node';
import { wranglerCrashTrial } from './wrangler-trial.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

export interface TrialResult {
  seed: number;
  acknowledged: number;
  /** kind of the batch in flight when the child was killed (none: between batches). */
  inFlight: string;
  failures: string[];
}

/** Runs the child until a random delay after READY, then SIGKILLs it; returns what it reported. */
function runChild(dir: string, seed: number, killAfterMs: number): Promise<{ acked: Batch[]; pending: Batch | undefined }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=vesper-source', '--import', 'tsx', CHILD, dir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: Batch[] = [];
    let pending: Batch | undefined;
    let buf = '';
    let err = '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'READY') timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (line.startsWith('B ')) pending = JSON.parse(line.slice(2)) as Batch;
        else if (line.startsWith('A ') && pending && Number(line.slice(2)) === pending.version) {
          acked.push(pending);
          pending = undefined;
        }
      }
    });
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`crash child exited by itself (code ${String(code)}): ${err.slice(0, 2000)}`));
      else resolve({ acked, pending });
    });
  });
}

function l2(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0);
}

export interface Batch {
  version: number;
  kind: 'insert' | 'upsert' | 'delete' | 'flush' | 'compact' | 'reindex';
  pks: number[];
}

/**
 * What a trial checks after the restart, whatever the runtime: every acknowledged batch present
 * and whole (each key at its acknowledged version), acknowledged deletes kept, the batch in
 * flight all or nothing, no row that no batch wrote, and `search` (L2 distances of the top k)
 * equal to brute force over the surviving rows for three random queries. Returns the failures.
 */
export async function checkSurvivors(
  acked: readonly Batch[],
  pending: Batch | undefined,
  got: ReadonlyMap<number, { ver: number; vector: number[] }>,
  rng: Random,
  search: (query: number[], k: number) => Promise<number[]>,
): Promise<string[]> {
  const failures: string[] = [];
  // the model: pk -> version of its acknowledged latest write (undefined: deleted)
  const model = new Map<number, number | undefined>();
  for (const b of acked) for (const k of b.pks) model.set(k, b.kind === 'delete' ? undefined : b.version);
  const inFlight = new Set(pending?.pks ?? []);
  for (const [k, v] of model) {
    if (inFlight.has(k)) continue;
    const have = got.get(k)?.ver;
    if (have !== v) failures.push(`pk ${k}: acknowledged ${v === undefined ? 'deleted' : `version ${v}`}, found ${have === undefined ? 'nothing' : `version ${have}`}`);
  }
  for (const k of got.keys()) if (!model.has(k) && !inFlight.has(k)) failures.push(`pk ${k} exists but no batch wrote it`);
  if (pending && pending.pks.length > 0) {
    const applied = pending.pks.map((k) => (pending.kind === 'delete' ? !got.has(k) : got.get(k)?.ver === pending.version));
    const untouched = pending.pks.map((k) => got.get(k)?.ver === model.get(k));
    if (!applied.every(Boolean) && !untouched.every(Boolean)) failures.push(`partial ${pending.kind} batch v${pending.version}`);
  }
  const rows = [...got.values()];
  for (let q = 0; q < 3 && rows.length > 0; q++) {
    const query = [rng.next() * 97, rng.next() * 89, rng.next(), rng.next()].map(Math.fround);
    const k = Math.min(10, rows.length);
    const want = rows.map((r) => l2(r.vector, query)).sort((a, b) => a - b).slice(0, k);
    const dist = await search(query, k);
    if (dist.length !== k || dist.some((d, i) => Math.abs(d - want[i]!) > 1e-3 * Math.max(1, want[i]!))) {
      failures.push(`search q${q}: got ${JSON.stringify(dist)}, exact ${JSON.stringify(want)}`);
    }
  }
  return failures;
}

/** One trial: run, kill, reopen, verify. Never throws for a verification failure (it is listed). */
export async function crashTrial(seed: number, maxKillMs = 1500): Promise<TrialResult> {
  const rng = new Random(seed ^ 0x5eed);
  const dir = await mkdtemp(join(tmpdir(), 'vesper-crash-'));
  const failures: string[] = [];
  try {
    const { acked, pending } = await runChild(dir, seed, rng.range(150, Math.max(151, maxKillMs)));
    const db = await openDatabase({ path: dir, onBackgroundError: () => undefined });
    try {
      const state = (await db.getLoadState({ collection_name: 'c' })) as { state?: string };
      if (state.state !== 'LoadStateLoaded') await db.loadCollection({ collection_name: 'c' });
      const res = await db.query({ collection_name: 'c', filter: 'id >= 0', output_fields: ['ver', 'vector'], consistency_level: 'Strong' });
      const got = new Map(res.data.map((r) => [Number(r['id']), { ver: Number(r['ver']), vector: r['vector'] as number[] }]));
      failures.push(...(await checkSurvivors(acked, pending, got, rng, async (query, k) => {
        const s = await db.search({ collection_name: 'c', data: [query], limit: k, consistency_level: 'Strong' });
        return (s.results as { score: number }[][])[0]!.map((h) => Number(h.score));
      })));
      await db.insert({ collection_name: 'c', data: [{ id: 10_000_000, vector: [0, 0, 0, 0], ver: 0 }] });
      const one = await db.get({ collection_name: 'c', ids: [10_000_000], output_fields: ['ver'], consistency_level: 'Strong' });
      if (one.data.length !== 1) failures.push('the reopened database did not take a write');
      return { seed, acknowledged: acked.filter((b) => b.pks.length > 0).length, inFlight: pending?.kind ?? 'none', failures };
    } finally {
      await db.close();
    }
  } catch (e) {
    failures.push(`trial error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return { seed, acknowledged: 0, inFlight: '?', failures };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface TrialOptions {
  /** Trials run at once (each in its own child and directory). */
  readonly concurrency?: number;
  /** Upper bound of the random kill delay after the child is ready, ms (lower bound 150). */
  readonly maxKillMs?: number;
  /** node: SIGKILL of a child process writing a file database; wrangler: of `wrangler dev`. */
  readonly runtime?: 'node' | 'wrangler';
  readonly log?: (s: string) => void;
}

export async function runCrashTrials(trials: number, seed: number, opts: TrialOptions = {}): Promise<TrialResult[]> {
  const out: TrialResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < trials) {
      const i = next++;
      const r = opts.runtime === 'wrangler' ? await wranglerCrashTrial(seed + i, opts.maxKillMs) : await crashTrial(seed + i, opts.maxKillMs);
      out.push(r);
      opts.log?.(`trial ${out.length}/${trials} seed ${r.seed}: ${r.acknowledged} acknowledged write batches, killed during ${r.inFlight}${r.failures.length ? ` FAILED: ${r.failures.join('; ')}` : ''}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, worker));
  return out.sort((a, b) => a.seed - b.seed);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const trials = Number(arg('trials') ?? 20);
  const seed = testSeed(arg('seed') ?? process.env['VESPER_SEED']);
  const runtime = arg('runtime') ?? 'node';
  if (runtime !== 'node' && runtime !== 'wrangler') {
    console.error(`--runtime ${runtime}: use node or wrangler`);
    process.exit(2);
  }
  console.log(`crash trials: ${trials} on ${runtime}, seed ${seed}`);
  const t0 = Date.now();
  const maxKill = arg('max-kill-ms');
  const results = await runCrashTrials(trials, seed, { runtime, concurrency: Number(arg('concurrency') ?? 1), ...(maxKill !== undefined ? { maxKillMs: Number(maxKill) } : {}), log: (s) => console.log(s) });
  const failed = results.filter((r) => r.failures.length > 0);
  const kinds = new Map<string, number>();
  for (const r of results) kinds.set(r.inFlight, (kinds.get(r.inFlight) ?? 0) + 1);
  const batches = results.reduce((n, r) => n + r.acknowledged, 0);
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${trials} trials on ${runtime}, seed ${seed}, ${batches} acknowledged write batches, killed during ${JSON.stringify(Object.fromEntries(kinds))}, ${failed.length} failed trials`);
  process.exit(failed.length === 0 ? 0 : 1);
}
