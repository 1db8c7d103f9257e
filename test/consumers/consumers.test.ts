/**
 * Consumer tests: the packages as a user gets them. `npm pack` builds (prepack) and packs
 * every published package into a temp dir; fresh projects under os.tmpdir() — outside the
 * workspace, so nothing resolves to the repository — install only those tarballs plus
 * registry packages (one install per kind of consumer, npm cache reused), then:
 *  (a) plain Node ESM: the README's Node block, extracted from README.md at test time, runs as
 *      written with `node app.mjs`; and `node app.mjs` (fixtures/node): file database, insert,
 *      HNSW, search, reopen, checked against exact search;
 *  (b) TypeScript type-checks the public entry points with moduleResolution bundler and node16;
 *  (c) a Vite app (default config; build + preview) runs the README's browser block, extracted
 *      at test time, in Chromium inside a small harness (fixtures/vite/main.js): OPFS, the
 *      engine worker, query workers, kernels.wasm found on its own, and an unloadable kernels
 *      URL failing openDatabase with SERVICE_NOT_READY; the same build served with a
 *      Content-Security-Policy that does not allow WebAssembly fails openDatabase with
 *      SERVICE_NOT_READY naming 'wasm-unsafe-eval';
 *  (d) the same app built by webpack 5 (its defaults: no loader, plugin or experiment) and
 *      served as static files, in Chromium, with the same checks (same install as (c));
 *  (e) examples/edge-worker (a Worker re-exporting @vesper/edge) bundles with
 *      `wrangler deploy --dry-run` and, on workerd, answers the official SDK HttpClient.
 * Chromium parts are skipped with a printed reason when /usr/bin/chromium is missing.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeBlock } from '../fixtures/readme.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const fixtures = join(import.meta.dirname, 'fixtures');
const CHROMIUM = '/usr/bin/chromium';
const SEED = Number(process.env.VESPER_SEED ?? 0) || Math.floor(Math.random() * 2 ** 31);
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
const PACKAGES = ['core', 'worker', 'browser', 'edge'];

let work: string;
const tarballs = new Map<string, string>();

async function npm(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } });
  return stdout;
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** A fresh project in the temp dir with these tarballs and registry packages installed. */
async function project(name: string, vesper: string[], registry: string[], files: string[]): Promise<string> {
  const started = performance.now();
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: `vesper-consumer-${name}`, private: true, type: 'module' }, null, 2));
  for (const f of files) await cp(f, join(dir, f.split('/').pop()!), { recursive: true });
  await npm(dir, ['install', ...NPM_FLAGS, ...vesper.map((p) => tarballs.get(p)!), ...registry]);
  console.log(`[consumers] ${name} project installed in ${seconds(started)}`);
  return dir;
}

const hasChromium = existsSync(CHROMIUM);
/**
 * The three consumer projects (one install per kind of consumer), installed concurrently as
 * soon as the tarballs exist; each describe awaits its own. Rejections surface there.
 */
const installs = new Map<'node' | 'browser' | 'edge', Promise<string>>();
function install(name: 'node' | 'browser' | 'edge', vesper: string[], registry: string[], files: string[]): void {
  const p = project(name, vesper, registry, files);
  p.catch(() => undefined); // awaited (and reported) by the describe that uses it
  installs.set(name, p);
}

beforeAll(async () => {
  console.log(`[consumers] seed ${SEED}`);
  const started = performance.now();
  work = await mkdtemp(join(tmpdir(), 'vesper-consumers-'));
  const packs = join(work, 'packs');
  await mkdir(packs);
  await npm(root, ['pack', ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`]), '--pack-destination', packs]);
  for (const f of await readdir(packs)) tarballs.set(/^vesper-(\w+)-/.exec(f)![1]!, join(packs, f));
  expect([...tarballs.keys()].sort()).toEqual([...PACKAGES].sort());
  console.log(`[consumers] built and packed in ${seconds(started)}`);
  install('node', ['core', 'worker', 'browser'], ['typescript@5.9.3', '@types/node@20.19.43'], [join(fixtures, 'node', 'app.mjs'), join(fixtures, 'ts', 'index.ts')]);
  // one install for both bundlers: the same app, the same tarballs
  if (hasChromium) install('browser', ['core', 'worker', 'browser'], ['vite@8.3.8', 'webpack@5.113.0', 'webpack-cli@7.3.1'], [join(fixtures, 'vite', 'index.html'), join(fixtures, 'vite', 'main.js'), join(fixtures, 'webpack', 'webpack.config.js')]);
  install('edge', ['core', 'edge'], ['wrangler@4.86.0', '@zilliz/milvus2-sdk-node@3.0.6'], [join(root, 'examples', 'edge-worker', 'src'), join(root, 'examples', 'edge-worker', 'wrangler.toml'), join(fixtures, 'edge', 'check.mjs')]);
}, 240_000);

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('published tarballs', () => {
  it('ship dist, kernels.wasm, README and LICENSE, and no tests, tsconfig or test helpers', async () => {
    for (const [name, file] of tarballs) {
      const { stdout } = await run('tar', ['tzf', file]);
      const list = stdout.split('\n').filter(Boolean);
      expect(list, name).toContain('package/dist/index.js');
      expect(list, name).toContain('package/dist/index.d.ts');
      expect(list, name).toContain('package/LICENSE');
      expect(list, name).toContain('package/README.md');
      expect(list.filter((f) => /\.test\.|\/test-[^/]*$|tsconfig|fs-test-dirs|\.build-stamp/.test(f)), name).toEqual([]);
      if (name === 'core') expect(list).toContain('package/dist/kernels/build/kernels.wasm');
      if (name === 'browser') expect(list).toEqual(expect.arrayContaining(['package/dist/engine-worker.js', 'package/dist/query-worker.js']));
    }
  });

  it('ship every file their exports map names, under every condition a user resolves (vesper-source is the repository\'s own)', async () => {
    const targets = (entry: unknown): string[] =>
      typeof entry === 'string' ? [entry] : Object.entries(entry as Record<string, unknown>).flatMap(([cond, v]) => (cond === 'vesper-source' ? [] : targets(v)));
    for (const [name, file] of tarballs) {
      const list = new Set((await run('tar', ['tzf', file])).stdout.split('\n'));
      const pkg = JSON.parse(await readFile(join(root, 'packages', name, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
      for (const [sub, entry] of Object.entries(pkg.exports)) {
        const missing = targets(entry).filter((t) => !list.has(`package/${t.replace(/^\.\//, '')}`));
        expect(missing, `${name} ${sub}`).toEqual([]);
        if (sub !== './package.json' && sub !== './kernels.wasm') expect(Object.keys(entry as object), `${name} ${sub}`).toEqual(expect.arrayContaining(['types', 'import', 'default']));
      }
    }
  });
});

describe('Node and TypeScript consumers', () => {
  const RESOLUTIONS = [['bundler', 'esnext'], ['node16', 'node16']] as const;
  let dir: string;
  /** tsc's output per moduleResolution ('' when the types check); both compile at once. */
  const typechecks = new Map<string, Promise<string>>();
  beforeAll(async () => {
    dir = await installs.get('node')!;
    for (const [resolution, module] of RESOLUTIONS) {
      const check = typecheck(resolution, module);
      check.catch(() => undefined);
      typechecks.set(resolution, check);
    }
  }, 240_000);

  async function typecheck(resolution: string, module: string): Promise<string> {
    const config = {
      compilerOptions: { strict: true, noEmit: true, target: 'es2022', module, moduleResolution: resolution, lib: ['es2023', 'dom', 'dom.iterable'], types: ['node'], skipLibCheck: false },
      files: ['index.ts'],
    };
    await writeFile(join(dir, `tsconfig.${resolution}.json`), JSON.stringify(config));
    const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: dir }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    return result.stdout;
  }

  it('(a) the README Node example runs as written: `node app.mjs` against the tarballs', async () => {
    const { lang, code } = await readmeBlock('Node (embedded)');
    expect(lang).toBe('js');
    const app = join(dir, 'readme');
    await mkdir(app);
    await writeFile(join(app, 'app.mjs'), code);
    const { stdout } = await run(process.execPath, ['app.mjs'], { cwd: app });
    expect(stdout).toContain("title: 'Hyperion'");
    expect(stdout).not.toContain('Dune');
    expect(await readdir(join(app, '.vesper-data', 'quickstart'))).not.toEqual([]); // the README's data directory
  });

  it('(a) @vesper/core/kernels resolves to the node variant under plain node: the bytes of kernels.wasm', async () => {
    const script = "import { bundledKernels } from '@vesper/core/kernels'; const k = await bundledKernels(); console.log(JSON.stringify({ bytes: k instanceof Uint8Array, magic: [...k.subarray(0, 4)] }));";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ bytes: true, magic: [0, 0x61, 0x73, 0x6d] });
  });

  it('(a) node app.mjs: file database, HNSW search = exact search, same after a reopen', async () => {
    const { stdout } = await run(process.execPath, ['app.mjs', join(dir, 'db'), String(SEED)], { cwd: dir });
    const out = JSON.parse(stdout) as { index: { type: string; rows: string }; before: number[]; after: number[]; count: number; rows: { id: number; vec: number[]; tag: string }[]; query: number[] };
    const l2 = (v: number[]) => v.reduce((s, x, i) => s + (x - out.query[i]!) ** 2, 0);
    const exact = out.rows.filter((r) => r.tag === 'a').sort((a, b) => l2(a.vec) - l2(b.vec)).slice(0, 5).map((r) => r.id);
    expect(out.index).toEqual({ type: 'HNSW', rows: '300' });
    expect(out.count).toBe(300);
    // 100 candidates, ef 200 ≥ candidates: HNSW visits them all, so the top 5 are exact
    expect(out.before, `seed ${SEED}`).toEqual(exact);
    expect(out.after).toEqual(out.before);
  });

  for (const [resolution] of RESOLUTIONS) {
    it(`(b) the public types check with moduleResolution ${resolution}`, async () => {
      expect(await typechecks.get(resolution)).toBe('');
    });
  }
});

/** Opens `url` in headless Chromium and returns what main.js (fixtures/vite) reports. */
async function openApp(url: string): Promise<Record<string, unknown>> {
  const { chromium } = await import('playwright');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as { __vesper?: unknown }).__vesper !== undefined, null, { timeout: 90_000 });
    return (await page.evaluate(() => (globalThis as { __vesper?: unknown }).__vesper)) as Record<string, unknown>;
  } finally {
    await browser.close();
  }
}

/** The README's browser block ran: what it logged, and what the harness checked after it. */
async function checkBrowserApp(url: string): Promise<void> {
  const out = await openApp(url);
  expect(out, JSON.stringify(out)).toMatchObject({ ok: true, count: 2, reopened: ['Neuromancer'], workers: 2, enabled: true });
  const logged = out.logged as unknown[];
  expect(logged).toContain('2/2'); // the README's onProgress
  expect(logged.at(-1)).toEqual([{ id: '1', title: 'Dune', score: expect.closeTo(0.99, 1) }]); // the README's `console.log(results)`
  expect(out.badKernels).toMatchObject({ error: 'SERVICE_NOT_READY' });
  expect(String((out.badKernels as { message: string }).message)).toContain('pass `kernels`');
  expect(out.kernelsEntry).toEqual({ isUrl: true, status: 200, magic: [0, 0x61, 0x73, 0x6d] }); // @vesper/core/kernels, browser condition: "\0asm"
}

const MIME: Readonly<Record<string, string>> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };

/** A static file server for `dir` on loopback (what a user's web server does with a build), sending `headers` with every file. */
async function serveStatic(dir: string, headers: Readonly<Record<string, string>> = {}): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    readFile(join(dir, path)).then(
      (body) => {
        res.writeHead(200, { ...headers, 'content-type': MIME[extname(path)] ?? 'application/octet-stream' });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

describe('Vite and webpack 5 apps in Chromium', () => {
  if (!hasChromium) console.warn(`[consumers] Vite/webpack Chromium consumers skipped: ${CHROMIUM} is absent`);
  let dir: string;
  let preview: ChildProcess | undefined;
  const servers: { close: () => void }[] = [];
  beforeAll(async () => {
    if (!hasChromium) return;
    dir = await installs.get('browser')!;
    // the README's browser block as written, the module the harness (main.js) imports
    const { lang, code } = await readmeBlock('Browser');
    expect(lang).toBe('js');
    await writeFile(join(dir, 'readme.js'), code);
  }, 240_000);
  afterAll(() => {
    preview?.kill('SIGTERM');
    for (const s of servers) s.close();
  });

  it.skipIf(!hasChromium)('(c) vite build + preview: the README snippet runs (OPFS, engine worker, query workers)', async () => {
    await run(process.execPath, [join(dir, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: dir });
    preview = spawn(process.execPath, [join(dir, 'node_modules', 'vite', 'bin', 'vite.js'), 'preview', '--host', '127.0.0.1', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      preview!.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(text.replace(/\x1b\[[0-9;]*m/g, ''));
        if (m) resolve(m[0]);
      });
      preview!.on('exit', (code) => reject(new Error(`vite preview exited (${code}): ${text}`)));
    });
    await checkBrowserApp(url);
  }, 180_000);

  it.skipIf(!hasChromium)("(c) under a Content-Security-Policy without 'wasm-unsafe-eval', openDatabase fails with one coded error naming it", async () => {
    // the Vite build of (c), served with a policy that allows the app's own scripts and workers but not WebAssembly
    const served = await serveStatic(join(dir, 'dist'), { 'content-security-policy': "default-src 'self'; script-src 'self'" });
    servers.push(served);
    const out = await openApp(served.url);
    expect(out, JSON.stringify(out)).toMatchObject({ ok: false, readme: { error: 'SERVICE_NOT_READY' }, open: { error: 'SERVICE_NOT_READY' } });
    for (const failure of [out.readme, out.open] as { message: string }[]) {
      expect(failure.message).toContain("add 'wasm-unsafe-eval' to its script-src");
      expect(failure.message).toMatch(/Content.Security.Policy/i);
    }
  }, 120_000);

  it.skipIf(!hasChromium)('(d) webpack 5 with its defaults: the same snippet runs (OPFS, engine worker, query workers)', async () => {
    await run(process.execPath, [join(dir, 'node_modules', 'webpack-cli', 'bin', 'cli.js'), '--config', 'webpack.config.js'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    const out = join(dir, 'dist-webpack');
    await cp(join(fixtures, 'webpack', 'index.html'), join(out, 'index.html'));
    const files = await readdir(out);
    expect(files.some((f) => f.endsWith('.wasm')), files.join(' ')).toBe(true);
    const served = await serveStatic(out);
    servers.push(served);
    await checkBrowserApp(served.url);
  }, 240_000);
});

describe('edge Worker on workerd', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await installs.get('edge')!;
  }, 240_000);

  it('(e) examples/edge-worker bundles with wrangler deploy --dry-run (kernels.wasm as a module)', async () => {
    await run(process.execPath, [join(dir, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'deploy', '--dry-run', '--outdir', 'out'], { cwd: dir });
    const out = await readdir(join(dir, 'out'));
    expect(out).toContain('index.js');
    expect(out.some((f) => f.endsWith('kernels.wasm'))).toBe(true);
  }, 120_000);

  it('(e) it answers the official SDK HttpClient: create, insert, search', async () => {
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: dir });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { created: number; inserted: number; insertCount: number; search: number; ids: number[]; probe: number };
    expect(out).toMatchObject({ created: 0, inserted: 0, insertCount: 40, search: 0 });
    expect(out.ids[0]).toBe(out.probe); // a stored vector is its own nearest neighbour
  }, 120_000);
});
