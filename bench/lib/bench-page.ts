/**
 * A Vite plugin that serves a benchmark page without files on disk: `GET /<path>` answers a
 * small HTML page whose only script is a virtual module holding the benchmark code; and
 * openBenchBrowser, the dev server plus persistent headless Chromium those suites run in.
 */
import type { BrowserContext } from 'playwright';
import type { Plugin } from 'vite';

export function benchPagePlugin(name: string, path: string, title: string, moduleSource: string): Plugin & { readonly page: BenchPage } {
  const publicId = `/@${name}/page.js`;
  const resolvedId = `\0${name}-page.js`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><script type="module" src="${publicId}"></script></body></html>`;
  return {
    name,
    page: { path, title, entry: publicId },
    resolveId: (id) => (id === publicId ? resolvedId : undefined),
    load: (id) => (id === resolvedId ? moduleSource : undefined),
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url !== path) return next();
        res.setHeader('content-type', 'text/html');
        res.end(html);
      });
    },
  };
}

/** What a built page needs: where it is served, its title, and the module id of its script. */
export interface BenchPage {
  readonly path: string;
  readonly title: string;
  readonly entry: string;
}

/** Debian's Chromium and the flags every browser run here uses (as test/browser does). */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface BenchBrowserOptions {
  /** Names the suite in messages. */
  readonly label: string;
  /** The page: served at `path` with the benchmark module (see benchPagePlugin). */
  readonly plugin: Plugin & { readonly page: BenchPage };
  /**
   * Serve a production build of the page (minified bundles, as an app ships them) from a static
   * server instead of Vite's dev server, whose unbundled modules make every fresh page slower
   * to start than a user's would be.
   */
  readonly production?: boolean;
  /** Fixed port: OPFS and IndexedDB belong to the origin, so data persists between runs only on the same port. */
  readonly port: number;
  /** Persistent Chromium profile under the temp dir (its OPFS keeps built collections). */
  readonly profile: string;
  /** Delete the profile first (`--rebuild`). */
  readonly rebuild: boolean;
  readonly root: string;
  /** Packages the dev server should pre-bundle or leave alone, beside the engine's own. */
  readonly deps?: { readonly include?: readonly string[]; readonly exclude?: readonly string[] };
  /** Chromium flags beyond CHROMIUM_ARGS. */
  readonly args?: readonly string[];
}

export interface BenchBrowser {
  readonly context: BrowserContext;
  /** The port actually served (another one if `port` was taken: a new origin). */
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the Vite dev server (or a static server of a production build) with the bench page and a persistent headless Chromium. */
export async function openBenchBrowser(o: BenchBrowserOptions): Promise<BenchBrowser> {
  if (o.production === true) return openBuiltBenchBrowser(o);
  const { createServer, defaultClientConditions } = await import('vite');
  const server = await createServer({
    root: o.root,
    configFile: false,
    resolve: { conditions: ['vesper-source', ...defaultClientConditions] }, // the packages' sources
    logLevel: 'error',
    plugins: [o.plugin],
    server: { host: '127.0.0.1', port: o.port, strictPort: false, hmr: false },
    optimizeDeps: {
      include: ['comlink', 'idb', 'apache-arrow', ...(o.deps?.include ?? [])],
      exclude: ['@vesper/core', '@vesper/browser', '@vesper/worker', ...(o.deps?.exclude ?? [])],
    },
    worker: { format: 'es' },
  });
  try {
    await server.listen();
  } catch (e) {
    await server.close();
    throw e;
  }
  const addr = server.httpServer?.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  if (port !== o.port) console.error(`[bench] ${o.label}: port ${o.port} is taken, serving on ${port} (a new origin: persisted collections are rebuilt)`);
  return launchChromium(o, port, () => server.close());
}

/** The persistent headless Chromium of a bench whose page is served on `port`; `stop` ends the server (also when the launch fails). */
async function launchChromium(o: BenchBrowserOptions, port: number, stop: () => Promise<void>): Promise<BenchBrowser> {
  const { chromium } = await import('playwright');
  const { rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const profile = join(tmpdir(), o.profile);
  if (o.rebuild) await rm(profile, { recursive: true, force: true });
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...(o.args ?? [])] });
    return {
      context,
      port,
      async close() {
        await context.close();
        await stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

const MIME: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.css': 'text/css', '.json': 'application/json' };

/** openBenchBrowser with `production`: the page built by Vite into a temp dir, served by node:http. */
async function openBuiltBenchBrowser(o: BenchBrowserOptions): Promise<BenchBrowser> {
  const { build, defaultClientConditions } = await import('vite');
  const { mkdtemp, readFile, rm } = await import('node:fs/promises');
  const { createServer } = await import('node:http');
  const { tmpdir } = await import('node:os');
  const { extname, join, normalize } = await import('node:path');
  const outDir = await mkdtemp(join(tmpdir(), 'vesper-bench-build-'));
  const out = await build({
    root: o.root,
    configFile: false,
    resolve: { conditions: ['vesper-source', ...defaultClientConditions] },
    logLevel: 'error',
    plugins: [o.plugin],
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, minify: true, assetsInlineLimit: 0, rolldownOptions: { input: o.plugin.page.entry, preserveEntrySignatures: false } },
  });
  const outputs = (Array.isArray(out) ? out : [out]).flatMap((r) => ('output' in r ? r.output : []));
  const entry = outputs.find((c) => c.type === 'chunk' && c.isEntry)?.fileName;
  if (entry === undefined) throw new Error(`[bench] ${o.label}: the production build has no entry chunk`);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${o.plugin.page.title}</title></head><body><script type="module" src="/${entry}"></script></body></html>`;
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]!;
    if (url === o.plugin.page.path) {
      res.setHeader('content-type', 'text/html');
      res.end(html);
      return;
    }
    const file = normalize(join(outDir, url));
    if (!file.startsWith(outDir)) {
      res.statusCode = 403;
      res.end();
      return;
    }
    readFile(file).then(
      (bytes) => {
        res.setHeader('content-type', MIME[extname(file)] ?? 'application/octet-stream');
        res.end(bytes);
      },
      () => {
        res.statusCode = 404;
        res.end();
      },
    );
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve(o.port));
  });
  return launchChromium(o, port, async () => {
    await new Promise((r) => server.close(r));
    await rm(outDir, { recursive: true, force: true });
  });
}
