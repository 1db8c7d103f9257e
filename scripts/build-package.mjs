// Builds one publishable Vesper package (and, first, the workspace packages it depends on)
// from src/*.ts to dist/: ES modules, .d.ts, declaration and source maps, with plain `tsc`
// (tsconfig.build.json in the package; `rewriteRelativeImportExtensions` turns the sources'
// `./x.ts` imports into `./x.js`). Then two things tsc does not do:
// - `new URL('./x.ts', import.meta.url)` (worker entries) becomes `./x.js` in the emitted JS:
//   tsc rewrites import specifiers only. '.ts' and '.js' have the same length, so the source
//   maps stay exact. Every such URL must name a file that exists in dist.
// - @vesper/core gets kernels.wasm at dist/kernels/build/kernels.wasm, the same path relative
//   to the modules that load it as in src (node/kernels.ts, kernels/kernels-url.ts).
// Usage: node scripts/build-package.mjs <package dir>... (all four when none is given).
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const ALL = ['core', 'worker', 'browser', 'edge'].map((p) => join(root, 'packages', p));

async function manifest(dir) {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
}

/** Workspace package dirs by name. */
async function workspaceDirs() {
  const byName = new Map();
  for (const dir of ALL) byName.set((await manifest(dir)).name, dir);
  return byName;
}

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else yield p;
  }
}

const WORKER_URL = /new URL\((['"])(\.{1,2}\/[^'"]+)\.ts\1, import\.meta\.url\)/g;

async function rewriteWorkerUrls(dist) {
  for await (const file of walk(dist)) {
    if (!file.endsWith('.js')) continue;
    const text = await readFile(file, 'utf8');
    const missing = [];
    const out = text.replace(WORKER_URL, (_m, q, spec) => {
      missing.push(join(dirname(file), `${spec}.js`));
      return `new URL(${q}${spec}.js${q}, import.meta.url)`;
    });
    if (out === text) continue;
    for (const target of missing) {
      if (!(await stat(target).catch(() => undefined))) throw new Error(`${file}: new URL target ${target} was not emitted`);
    }
    await writeFile(file, out);
  }
}

const built = new Set();
// dist/.build-stamp: written last, so a dependency whose stamp is newer than every source and
// build input is not rebuilt when a dependent package is packed (`prepack` of each package).
const STAMP = '.build-stamp';

async function newestInput(dir) {
  let newest = 0;
  for (const f of ['package.json', 'tsconfig.build.json']) newest = Math.max(newest, (await stat(join(dir, f))).mtimeMs);
  for await (const file of walk(join(dir, 'src'))) newest = Math.max(newest, (await stat(file)).mtimeMs);
  return newest;
}

async function upToDate(dir) {
  const stamp = await stat(join(dir, 'dist', STAMP)).then((s) => s.mtimeMs, () => 0);
  return stamp > (await newestInput(dir));
}

async function build(dir, byName) {
  if (built.has(dir)) return;
  built.add(dir);
  const pkg = await manifest(dir);
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    const depDir = byName.get(dep);
    if (depDir !== undefined && !(await upToDate(depDir))) await build(depDir, byName);
  }
  const dist = join(dir, 'dist');
  await rm(dist, { recursive: true, force: true });
  if (pkg.name === '@vesper/core') execFileSync(process.execPath, [join(dir, 'scripts', 'build-wasm.mjs')], { stdio: 'inherit' });
  execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.build.json')], { stdio: 'inherit' });
  await rewriteWorkerUrls(dist);
  if (pkg.name === '@vesper/core') {
    const wasm = join('kernels', 'build', 'kernels.wasm');
    await mkdir(dirname(join(dist, wasm)), { recursive: true });
    await copyFile(join(dir, 'src', wasm), join(dist, wasm));
  }
  await writeFile(join(dist, STAMP), `${new Date().toISOString()}\n`);
  console.error(`[build] ${pkg.name} → ${dist}`);
}

const byName = await workspaceDirs();
const targets = process.argv.length > 2 ? process.argv.slice(2).map((d) => resolve(d)) : ALL;
for (const dir of targets) await build(dir, byName);
