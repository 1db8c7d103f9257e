/**
 * Resident memory of a fully resident HNSW collection (issue 17): the RSS of a Node process
 * holding 100k×128 (and 100k×384) clustered vectors in HNSW (M=16, efConstruction=200)
 * through `VesperClient` — on memory:// and on a directory, built in the process and reopened
 * cold in a fresh one — against hnswlib-node holding the same index (built, and read back from
 * its file). Each system runs in its own child process (bench/lib/memory-child.ts), so every
 * RSS is separate; the dataset is dropped and collected before measuring. Ratios are to
 * hnswlib-node in the same run. Target: Vesper ≤ 1.3× hnswlib-node.
 *
 * With --memory-budget, also a file-backed IVF_PQ collection reopened with `memoryBudget` = 1/8
 * of its vectors' bytes: RSS, the block cache's resident bytes and bytes read by range per query
 * (`db.stats()`, 20 queries at nprobe 16, refine_k 4, cold cache). IVF_PQ builds slowly (PQ
 * training in TypeScript): use --memory-budget-n to size that set separately.
 *
 * Flags: --memory-sets=100000x128,100000x384 (default: 100000x128), --memory-quick (20000x128),
 * --memory-metric=COSINE (the HNSW rows' metric, default L2: under COSINE Vesper's index holds
 * normalized rows, so the insert log's column is the one copy of the inserted vectors, on disk),
 * --memory-budget, --memory-budget-n=<rows> (default: the set's rows).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('../lib/memory-child.ts', import.meta.url));

interface Measure {
  mode: string; rss: number; peak: number; heapUsed: number; external: number; arrayBuffers: number; wasm: number;
  bytesReadPerQuery?: number; cacheResident?: number; budget?: number;
}

function log(msg: string): void {
  console.error(`[bench:memory] ${msg}`);
}

function measure(mode: string, n: number, dim: number, seed: number, dir: string, metric = 'L2'): Promise<Measure> {
  const args = ['--expose-gc', '--conditions=vesper-source', '--import', 'tsx', child, mode, String(n), String(dim), String(seed), dir, metric];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20, timeout: 3_600_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${mode}: ${err.message}\n${stderr}`));
      const last = stdout.trim().split('\n').pop() ?? '';
      resolve(JSON.parse(last) as Measure);
    });
  });
}

const MB = (b: number): string => (b / 2 ** 20).toFixed(0);

const SYSTEMS: readonly (readonly [mode: string, label: string])[] = [
  ['baseline', 'node + tsx, nothing loaded'],
  ['vesper-empty', 'Vesper modules + an empty memory:// database'],
  ['hnswlib-build', 'hnswlib-node, built in process'],
  ['hnswlib-open', 'hnswlib-node, read from its file'],
  ['vesper-memory', 'Vesper, VesperClient on memory://, built'],
  ['vesper-build', 'Vesper, openDatabase on a directory, built'],
  ['vesper-open', 'Vesper, the directory reopened cold'],
];

/** The budgeted IVF_PQ rows (--memory-budget): built without a budget, reopened under one. */
async function budgetRows(argv: string[], setN: number, dim: number, seed: number, dir: string, base: number): Promise<string[]> {
  const n = Number(argv.find((a) => a.startsWith('--memory-budget-n='))?.slice('--memory-budget-n='.length) ?? setN);
  log(`${n}x${dim} budget-build`);
  const built = await measure('budget-build', n, dim, seed, dir);
  log(`${n}x${dim} budget-open`);
  const open = await measure('budget-open', n, dim, seed, dir);
  const kb = (b: number | undefined): string => (b === undefined ? '—' : Math.round(b / 1024).toLocaleString('en-US'));
  return [
    `#### IVF_PQ on a directory, ${n.toLocaleString('en-US')}×${dim}, reopened with memoryBudget = ${kb(open.budget)} KiB (1/8 of the vectors)`, '',
    '| process | RSS MB | RSS − baseline MB | WASM MB | cache resident KiB | bytes read by range per query KiB |', '|---|---:|---:|---:|---:|---:|',
    `| built (no budget) | ${MB(built.rss)} | ${MB(built.rss - base)} | ${MB(built.wasm)} | — | — |`,
    `| reopened cold under the budget | ${MB(open.rss)} | ${MB(open.rss - base)} | ${MB(open.wasm)} | ${kb(open.cacheResident)} | ${kb(open.bytesReadPerQuery)} |`,
    '',
  ];
}

export default async function memory(argv: string[]): Promise<string> {
  const setsArg = argv.find((a) => a.startsWith('--memory-sets='))?.slice('--memory-sets='.length);
  const metric = argv.find((a) => a.startsWith('--memory-metric='))?.slice('--memory-metric='.length) ?? 'L2';
  if (metric !== 'L2' && metric !== 'COSINE') throw new Error(`--memory-metric takes L2 or COSINE, got ${metric}`);
  const sets = (argv.includes('--memory-quick') ? '20000x128' : setsArg ?? '100000x128').split(',').map((s) => s.split('x').map(Number) as [number, number]);
  const out = ['## Resident memory: fully resident HNSW vs hnswlib-node', '', `node ${process.version}, ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} at start. HNSW M=16, efConstruction=200, ${metric}; each system in its own process (RSS after 20 searches and a forced GC, the dataset dropped). Target: Vesper ≤ 1.3× hnswlib-node.`, ''];
  for (const [n, dim] of sets) {
    const dir = await mkdtemp(join(tmpdir(), 'vesper-bench-mem-'));
    const seed = 1234 + n + dim;
    try {
      const rows: [string, Measure][] = [];
      // sequential: the processes must not share the machine's memory bandwidth and builds
      for (const [mode, label] of SYSTEMS) {
        log(`${n}x${dim} ${mode}`);
        rows.push([label, await measure(mode, n, dim, seed, dir, metric)]);
      }
      const by = new Map(rows.map(([, m]) => [m.mode, m]));
      const base = by.get('baseline')!.rss;
      const refBuilt = by.get('hnswlib-build')!.rss;
      const refOpen = by.get('hnswlib-open')!.rss;
      out.push(`### ${n.toLocaleString('en-US')}×${dim} (vectors alone: ${MB(n * dim * 4)} MB)`, '');
      out.push('| process | RSS MB | peak RSS MB | RSS − baseline MB | JS heap MB | array buffers MB | WASM MB | × hnswlib-node (same kind) |', '|---|---:|---:|---:|---:|---:|---:|---:|');
      for (const [label, m] of rows) {
        const ref = m.mode.endsWith('open') ? refOpen : refBuilt;
        const x = m.mode === 'baseline' || m.mode === 'vesper-empty' || m.mode.startsWith('hnswlib') ? '—' : `${(m.rss / ref).toFixed(2)}× (net ${((m.rss - base) / (ref - base)).toFixed(2)}×)`;
        out.push(`| ${label} | ${MB(m.rss)} | ${MB(m.peak)} | ${MB(m.rss - base)} | ${MB(m.heapUsed)} | ${MB(m.arrayBuffers)} | ${MB(m.wasm)} | ${x} |`);
      }
      out.push('', '"same kind": built rows are compared with hnswlib-node built in process, reopened ones with hnswlib-node read from its file; "net" subtracts the baseline process from both.', '');
      if (argv.includes('--memory-budget')) out.push(...(await budgetRows(argv, n, dim, seed, dir, base)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return out.join('\n');
}
