/**
 * A Vite plugin that serves a benchmark page without files on disk: `GET /<path>` answers a
 * small HTML page whose only script is a virtual module holding the benchmark code; and
 * openBenchBrowser, the dev server plus persistent headless Chromium those suites run in.
 */
import type { BrowserContext } from 'playwright';
import type { Plugin } from 'vite';

export function benchPagePlugin(name: string, path: string, title: string, moduleSource: string): Plugin {
  const publicId = `/@${name}/page.js`;
  const resolvedId = `\0${name}-page.js`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><script type="module" src="${publicId}"></script></body></html>`;
  return {
    name,
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

/** Debian's Chromium and the flags every browser run here uses (as test/browser does). */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface BenchBrowserOptions {
  /** Names the suite in messages. */
  readonly label: string;
  /** The page: served at `path` with the benchmark module (see benchPagePlugin). */
  readonly plugin: Plugin;
  /** Fixed port: OPFS and IndexedDB belong to the origin, so data persists between runs only on the same port. */
  readonly port: number;
  /** Persistent Chromium profile under the temp dir (its OPFS keeps built collections). */
  readonly profile: string;
  /** Delete the profile first (`--rebuild`). */
  readonly rebuild: boolean;
  readonly root: string;
}

export interface BenchBrowser {
  readonly context: BrowserContext;
  /** The port actually served (another one if `port` was taken: a new origin). */
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the Vite dev server with the bench page and a persistent headless Chromium. */
export async function openBenchBrowser(o: BenchBrowserOptions): Promise<BenchBrowser> {
  const { chromium } = await import('playwright');
  const { createServer, defaultClientConditions } = await import('vite');
  const { rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const server = await createServer({
    root: o.root,
    configFile: false,
    resolve: { conditions: ['vesper-source', ...defaultClientConditions] }, // the packages' sources
    logLevel: 'error',
    plugins: [o.plugin],
    server: { host: '127.0.0.1', port: o.port, strictPort: false, hmr: false },
    optimizeDeps: { include: ['comlink', 'idb', 'apache-arrow'], exclude: ['@vesper/core', '@vesper/browser', '@vesper/worker'] },
    worker: { format: 'es' },
  });
  const profile = join(tmpdir(), o.profile);
  if (o.rebuild) await rm(profile, { recursive: true, force: true });
  try {
    await server.listen();
    const addr = server.httpServer?.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    if (port !== o.port) console.error(`[bench] ${o.label}: port ${o.port} is taken, serving on ${port} (a new origin: persisted collections are rebuilt)`);
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    return {
      context,
      port,
      async close() {
        await context.close();
        await server.close();
      },
    };
  } catch (e) {
    await server.close();
    throw e;
  }
}
