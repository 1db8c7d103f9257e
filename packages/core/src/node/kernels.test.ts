/**
 * kernels.wasm missing or damaged, met the way a user meets it: a child `node` process runs
 * the README's first line, `openDatabase({ path })` from `@vesper/core/node`, against a copy of
 * the package in a fresh `node_modules` whose `kernels/build/kernels.wasm` — the file
 * node/kernels.ts reads, next to the modules in src and dist alike — is absent, unreadable, a
 * Git LFS pointer, or cut short. Each must reject openDatabase itself with code 1 (SERVICE_NOT_READY),
 * name the file and the fix, and leave no database directory behind. The same copy with the
 * real file opens, indexes and searches, so a failure above is the file's and nothing else's.
 * (The copy is the package's sources, run with tsx under the "vesper-source" condition the
 * repository uses; the published dist keeps kernels.wasm at the same relative path.)
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KERNELS_WASM_PATH } from './kernels.ts';

const pkgDir = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');

/** The app a user writes: open, and report what happened (a VesperError's fields, or success). */
const APP = `
import { existsSync } from 'node:fs';
import { openDatabase } from '@vesper/core/node';
const path = process.argv[2];
let db;
try {
  db = await openDatabase({ path });
} catch (e) {
  console.log(JSON.stringify({ opened: false, name: e.name, code: e.code, error: e.error, message: e.message, details: e.details, dirCreated: existsSync(path) }));
  process.exit(0);
}
await db.createCollection({ collection_name: 'books', dimension: 4, metric_type: 'COSINE' });
await db.insert({ collection_name: 'books', data: [{ id: 1, vector: [0.1, 0.9, 0.2, 0] }, { id: 2, vector: [0.8, 0.1, 0.1, 0.3] }] });
const { results } = await db.search({ collection_name: 'books', data: [0.8, 0.1, 0.1, 0.3], limit: 1 });
await db.close();
console.log(JSON.stringify({ opened: true, top: results[0].id }));
`;

let dir: string;
let wasmPath: string;
let realWasm: Buffer;

beforeAll(async () => {
  realWasm = await readFile(KERNELS_WASM_PATH);
  dir = await mkdtemp(join(tmpdir(), 'vesper-kernels-node-'));
  const copy = join(dir, 'node_modules', '@vesper', 'core');
  await mkdir(copy, { recursive: true });
  await cp(join(pkgDir, 'package.json'), join(copy, 'package.json'));
  // the package's sources without kernels.wasm and without its tests
  const build = join(pkgDir, 'src', 'kernels', 'build');
  await cp(join(pkgDir, 'src'), join(copy, 'src'), {
    recursive: true,
    filter: (from) => !from.startsWith(build) && !from.endsWith('.test.ts'),
  });
  wasmPath = join(copy, 'src', 'kernels', 'build', 'kernels.wasm');
  expect(existsSync(wasmPath)).toBe(false);
  // the package's dependencies, as npm would have installed them beside it
  const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies)) {
    const installed = await realpath([pkgDir, dirname(dirname(pkgDir))].map((d) => join(d, 'node_modules', dep)).find((p) => existsSync(p))!);
    await mkdir(dirname(join(dir, 'node_modules', dep)), { recursive: true });
    await symlink(installed, join(dir, 'node_modules', dep), 'dir');
  }
  await writeFile(join(dir, 'app.mjs'), APP);
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface Outcome {
  readonly opened: boolean;
  readonly name?: string;
  readonly code?: number;
  readonly error?: string;
  readonly message?: string;
  readonly details?: unknown;
  readonly dirCreated?: boolean;
  readonly top?: string;
}

async function runApp(): Promise<Outcome> {
  const data = join(dir, `data-${Math.random().toString(36).slice(2)}`);
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=vesper-source', '--import', tsx, 'app.mjs', data], {
    cwd: dir,
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Outcome;
}

/** Puts `bytes` where the package looks for kernels.wasm. */
async function placeWasm(bytes: string | Uint8Array): Promise<void> {
  await mkdir(dirname(wasmPath), { recursive: true });
  await writeFile(wasmPath, bytes);
}

function expectKernelsError(out: Outcome, says: RegExp): void {
  expect(out, JSON.stringify(out)).toMatchObject({ opened: false, name: 'VesperError', code: 1, error: 'SERVICE_NOT_READY', dirCreated: false });
  expect(out.details).toEqual({ path: wasmPath });
  expect(out.message).toMatch(says);
  expect(out.message).toContain(wasmPath);
  expect(out.message).toContain('reinstall the package (`npm install`)');
  expect(out.message).toContain('npm run build:wasm');
}

describe('openDatabase in Node with kernels.wasm missing or damaged', () => {
  it('missing: rejects at open with code 1, the path and the fix; no directory is created', async () => {
    await rm(wasmPath, { force: true });
    expectKernelsError(await runApp(), /^kernels\.wasm not found at /);
  });

  it('unreadable (a directory in its place): rejects at open with code 1 saying it cannot be read', async () => {
    await mkdir(wasmPath, { recursive: true });
    try {
      expectKernelsError(await runApp(), /^kernels\.wasm cannot be read \(EISDIR\b.*\) at /);
    } finally {
      await rm(wasmPath, { recursive: true, force: true });
    }
  });

  it('a Git LFS pointer in its place: rejects at open with code 1 saying it is damaged', async () => {
    await placeWasm('version https://git-lfs.github.com/spec/v1\noid sha256:' + '0'.repeat(64) + '\nsize 65536\n');
    expectKernelsError(await runApp(), /^kernels\.wasm at .* \(\d+ bytes\) is damaged or not Vesper's kernels \(/);
  });

  it('cut short (a partial copy): rejects at open with code 1 saying it is damaged', async () => {
    await placeWasm(realWasm.subarray(0, Math.floor(realWasm.byteLength / 2)));
    const out = await runApp();
    expectKernelsError(out, new RegExp(`^kernels\\.wasm at .* \\(${Math.floor(realWasm.byteLength / 2)} bytes\\) is damaged`));
  });

  it('the same copy with the real file opens, indexes and searches', async () => {
    await placeWasm(realWasm);
    expect(await runApp()).toEqual({ opened: true, top: '2' });
  });
});

// the copy really is outside the repository: nothing above can have read the repository's file
it('runs against a copy outside the package', () => {
  expect(wasmPath.startsWith(pkgDir)).toBe(false);
  expect(wasmPath.split(sep)).toContain('node_modules');
});
