/**
 * The built demo (`dist/demo`, from `vite build`) served by `vite preview` on a free port, and
 * the system Chromium driven by Playwright; pages record their console errors and uncaught
 * exceptions. Without /usr/bin/chromium or a build, `demoAvailable` is false and says why.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import { preview, type PreviewServer } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
export const shots = `${root}test/demo/screenshots`;

const hasChromium = existsSync(CHROMIUM);
const hasBuild = existsSync(`${root}dist/demo/index.html`);
if (!hasChromium) console.warn(`[test:demo] skipped: ${CHROMIUM} is absent`);
if (!hasBuild) console.warn('[test:demo] skipped: no dist/demo — run `npm run test:demo`, which builds the demo first');
export const demoAvailable = hasChromium && hasBuild;

export interface RunningDemo {
  readonly url: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function startDemo(): Promise<RunningDemo> {
  mkdirSync(shots, { recursive: true });
  const server: PreviewServer = await preview({ configFile: `${root}vite.config.ts`, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  return {
    url: server.resolvedUrls!.local[0]!,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * A page at url + path that records console errors, uncaught exceptions and any request to an
 * origin other than the page's own and the endpoint named in its `endpoint=` parameter (the
 * demo promises to talk to nothing else).
 */
export async function openPage(context: BrowserContext, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  const own = new URL(url);
  const endpoint = own.searchParams.get('endpoint');
  const allowed = new Set([own.origin, ...(endpoint ? [new URL(endpoint).origin] : [])]);
  page.on('request', (r) => {
    const to = new URL(r.url());
    if ((to.protocol === 'http:' || to.protocol === 'https:') && !allowed.has(to.origin)) errors.push(`a request to another origin: ${r.url()}`);
  });
  await page.goto(url);
  return { page, errors };
}
