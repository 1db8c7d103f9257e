/**
 * The memory-budget run of issue 17 in Node (the twin of the Chromium run, `browser
 * --only=budget`): N×128 clustered vectors in an IVF_PQ collection on a directory, built in one
 * process, then reopened cold in a fresh one with `memoryBudget` and searched against exact
 * top-10: per search setting (bench/lib/budget-run.ts SWEEP) 50 queries not searched before, one
 * at a time (the first setting with the cache empty), then the same 50 again.
 * Reports recall@10, p50/p99, bytes read by range per query, the block cache's resident bytes
 * and the WASM memory against the budget, and the process RSS. Targets: recall@10 ≥ 0.95,
 * p50 < 15 ms, cache ≤ budget (the hot parts — codes, ids, centroids — are the stated fixed
 * overhead outside it).
 *
 *   npm run bench -- budget --budget-rows=1000000 --budget-mb=128   (default 100,000 rows, 128 MiB)
 *   --budget-dir=PATH keeps the built collection in PATH and reopens it on later runs
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INDEX_PARAMS, NQ, type BuildReport, type SettingReport } from '../lib/budget-run.ts';
import { budgetTable } from '../lib/budget-table.ts';

const child = fileURLToPath(new URL('../lib/budget-child.ts', import.meta.url));

function run<T>(args: string[]): Promise<T> {
  const argv = ['--expose-gc', '--max-old-space-size=8192', '--conditions=vesper-source', '--import', 'tsx', child, ...args];
  return new Promise((resolve, reject) => {
    const p = execFile(process.execPath, argv, { maxBuffer: 64 << 20, timeout: 4 * 3_600_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`budget-child ${args[0]}: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as T);
    });
    p.stderr?.pipe(process.stderr);
  });
}

interface OpenReport {
  openMs: number; search: SettingReport[]; budget: number; wasmBytes: number;
  cache: { capacity: number; residentBytes: number; bytesRead: number; hits: number; misses: number };
  rssBeforeOpen: number; rss: number; peakRss: number; heapUsed: number; arrayBuffers: number;
}

export default async function budget(argv: string[]): Promise<string> {
  const num = (name: string, d: number): number => Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d);
  const n = num('budget-rows', 100_000);
  const mb = num('budget-mb', 128);
  const seed = num('budget-seed', 1234);
  const load = loadavg()[0]!.toFixed(1);
  // --budget-dir=PATH keeps the built collection there and reuses it on the next run (its build row is then the first run's)
  const keep = argv.find((a) => a.startsWith('--budget-dir='))?.slice('--budget-dir='.length);
  const dir = keep ?? (await mkdtemp(join(tmpdir(), 'vesper-bench-budget-')));
  const builtFile = join(dir, 'built.json');
  try {
    let built: BuildReport & { peakRss: number };
    if (keep !== undefined && existsSync(builtFile)) built = JSON.parse(readFileSync(builtFile, 'utf8')) as typeof built;
    else {
      await mkdir(dir, { recursive: true });
      built = await run<BuildReport & { peakRss: number }>(['build', String(n), String(seed), dir]);
      writeFileSync(builtFile, JSON.stringify(built));
    }
    const open = await run<OpenReport>(['open', String(n), String(seed), dir, String(mb * 2 ** 20)]);
    const MB = (b: number): string => (b / 2 ** 20).toFixed(1);
    return [
      `## Memory budget, Node (issue 17): IVF_PQ ${n.toLocaleString('en-US')}×128 on a directory under ${mb} MiB`, '',
      `node ${process.version}, ${new Date().toISOString()}, load average ${load} at start. Index ${JSON.stringify(INDEX_PARAMS)} per sealed segment (default seal policy: 100k rows); per search setting ${NQ} queries not searched before (the first setting with the cache empty), one at a time, then the same again (repeat). Command: \`npm run bench -- budget --budget-rows=${n} --budget-mb=${mb}\`.`, '',
      ...budgetTable(n, mb * 2 ** 20, built, { ...open, cache: open.cache }),
      `| process RSS after the searches (before open) | ${MB(open.rss)} MB (${MB(open.rssBeforeOpen)} MB); JS heap ${MB(open.heapUsed)} MB, array buffers ${MB(open.arrayBuffers)} MB; build process peak ${MB(built.peakRss)} MB | — | |`,
      '',
    ].join('\n');
  } finally {
    if (keep === undefined) await rm(dir, { recursive: true, force: true });
  }
}
