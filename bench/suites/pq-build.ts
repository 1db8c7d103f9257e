/**
 * IVF_PQ build rate (issue 17): the index alone (no database) built on N×128 clustered vectors
 * (the vectors suite's generator, seed 1234) at the default m (32) and nlist 128, best of
 * `--pq-build-reps` builds, with the time at which the build's progress passed each phase
 * (coarse k-means to 0.3, list assignment to 0.4, codebook training to 0.6, encoding to 0.95,
 * the file and its checksums to 1).
 *
 *   npx tsx --conditions=vesper-source bench/index.ts pq-build [--pq-build-rows=100000] [--pq-build-reps=2]
 */
import { loadavg } from 'node:os';
import { loadKernelsNode } from '../../packages/core/src/node/kernels.ts';
import { getIndexFactory } from '../../packages/core/src/index/index.ts';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { FloatVectorColumn } from '../../packages/core/src/schema/columns.ts';
import { clustered } from '../../test/indexes/fixtures.ts';

const DIM = 128;
const PARAMS = { nlist: 128, m: 32, nbits: 8 };
const MARKS = [0.3, 0.4, 0.6, 0.95] as const;

export default async function pqBuild(argv: string[]): Promise<string> {
  const num = (name: string, d: number): number => Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d);
  const n = num('pq-build-rows', 100_000);
  const reps = num('pq-build-reps', 2);
  await loadKernelsNode();
  const load = loadavg()[0]!.toFixed(1);
  const data = clustered(1234, n, DIM, { clusters: 50, rank: 32, noise: 0.05 });
  const column: FloatVectorColumn = { type: DataType.FloatVector, dim: DIM, length: n, data };
  let best: { ms: number; marks: number[] } | undefined;
  for (let r = 0; r < reps; r++) {
    const marks: number[] = [];
    const t0 = performance.now();
    await getIndexFactory('IVF_PQ').build(column, 'L2', PARAMS, {
      onProgress: (p) => {
        while (marks.length < MARKS.length && p >= MARKS[marks.length]!) marks.push(performance.now() - t0);
      },
    });
    const ms = performance.now() - t0;
    console.error(`[bench:pq-build] ${n}×${DIM}: ${(ms / 1000).toFixed(2)} s`);
    if (best === undefined || ms < best.ms) best = { ms, marks };
  }
  const s = (x: number | undefined): string => (x === undefined ? '—' : (x / 1000).toFixed(2));
  const m = best!.marks;
  return [
    `## IVF_PQ build rate (issue 17), ${n.toLocaleString('en-US')}×${DIM}`, '',
    `node ${process.version}, ${new Date().toISOString()}, load average ${load} at start, params ${JSON.stringify(PARAMS)}, best of ${reps}. Command: \`npx tsx --conditions=vesper-source bench/index.ts pq-build --pq-build-rows=${n}\`.`, '',
    '| build | vectors/s | progress 0.3 / 0.4 / 0.6 / 0.95 at (s) |', '|---|---:|---|',
    `| ${s(best!.ms)} s | ${Math.round((n / best!.ms) * 1000).toLocaleString('en-US')} | ${s(m[0])} / ${s(m[1])} / ${s(m[2])} / ${s(m[3])} |`, '',
  ].join('\n');
}
