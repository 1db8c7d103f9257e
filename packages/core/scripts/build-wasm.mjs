// Builds packages/core/src/kernels/build/kernels.wasm from the AssemblyScript sources in
// packages/core/src/kernels/assembly with the assemblyscript npm package (no system
// toolchain). Skips the build when the output is newer than every source and this script.
// Run by `npm run build:wasm` (from `prepare`, `npm test` and `npm run bench`).
import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const srcDir = join(here, '..', 'src', 'kernels', 'assembly');
const outFile = join(here, '..', 'src', 'kernels', 'build', 'kernels.wasm');

async function newestSource() {
  let newest = (await stat(fileURLToPath(import.meta.url))).mtimeMs;
  for (const f of await readdir(srcDir)) {
    if (f.endsWith('.ts')) newest = Math.max(newest, (await stat(join(srcDir, f))).mtimeMs);
  }
  return newest;
}

const outTime = await stat(outFile).then((s) => s.mtimeMs, () => 0);
if (outTime > (await newestSource()) && !process.argv.includes('--force')) {
  console.error('[build:wasm] kernels.wasm is up to date');
} else {
  await mkdir(dirname(outFile), { recursive: true });
  const asc = (await import('assemblyscript/asc')).default;
  const { error, stderr } = await asc.main([
    join(srcDir, 'index.ts'),
    '--outFile', outFile,
    '--enable', 'simd',
    '-O3',
    '--noAssert',
    '--runtime', 'stub',
    '--use', 'abort=',
    '--initialMemory', '2',
    '--maximumMemory', '65536',
  ]);
  if (error) {
    console.error(stderr.toString());
    console.error(`[build:wasm] failed: ${error.message}`);
    process.exit(1);
  }
  console.error(`[build:wasm] wrote ${outFile}`);
}
