/**
 * What one large insert costs the edge Worker's isolate in memory: for bodies of 8–64 MiB of
 * 128-d rows, the live JS heap plus ArrayBuffer bytes while the Worker holds the body text,
 * the parsed rows and the routed columns (bench/lib/body-memory-child.ts, one process per
 * size, forced collections). A deployed isolate has 128 MB for everything, which is why the
 * bulk body limit is 32 MiB and large bodies are admitted one room's worth at a time
 * (packages/edge/src/limits.ts). `npm run bench -- body-memory [--body-sizes=8,16,32,64]`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('../lib/body-memory-child.ts', import.meta.url));
const MiB = 1024 * 1024;

interface Measured {
  bodyBytes: number;
  rows: number;
  parts: number;
  routedParts: number;
  steps: Record<string, number>;
}

function measure(mb: number, dim: number, shards: number): Promise<Measured> {
  const args = ['--expose-gc', '--conditions=vesper-source', '--import', 'tsx', child, String(mb), String(dim), String(shards), '20261207'];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Measured);
    });
  });
}

export default async function bodyMemory(argv: string[]): Promise<string> {
  const sizes = (argv.find((a) => a.startsWith('--body-sizes='))?.slice('--body-sizes='.length) ?? '8,16,32,64').split(',').map(Number);
  const lines = [
    '## Edge: memory of one large insert in the Worker',
    '',
    `node ${process.version}; 128-d float rows with an id and a short tag, 4 shards; bytes live after a forced collection (JS heap + ArrayBuffers)`,
    '',
    '| body | rows | parts × shards | text | + parsed rows | + routed columns | × body |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const mb of sizes) {
    const m = await measure(mb, 128, 4);
    const s = Object.values(m.steps);
    const peak = Math.max(...s);
    lines.push(`| ${(m.bodyBytes / MiB).toFixed(1)} MiB | ${m.rows.toLocaleString('en-US')} | ${m.parts} → ${m.routedParts} | ${(s[0]! / MiB).toFixed(1)} MiB | ${(s[1]! / MiB).toFixed(1)} MiB | ${(s[2]! / MiB).toFixed(1)} MiB | ${(peak / m.bodyBytes).toFixed(2)} |`);
  }
  lines.push('');
  return lines.join('\n');
}
