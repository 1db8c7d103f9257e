/**
 * A Vite plugin that serves a benchmark page without files on disk: `GET /<path>` answers a
 * small HTML page whose only script is a virtual module holding the benchmark code. Shared by
 * the suites that measure inside Chromium.
 */
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
