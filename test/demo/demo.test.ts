/**
 * The demo end to end, as an evaluator would use it: the built app (`vite build`, served by
 * `vite preview`) in the system Chromium, first with the database in the tab (OPFS, engine in
 * a worker), then against the Milvus REST v2 endpoint on workerd started here. Each flow loads
 * the papers, searches by example / with a filter / by a held-out paper (top result checked
 * against exact search computed in the test), sweeps ef into a plot, inserts and deletes a row,
 * reloads (persistence, cold-open readout), takes screenshots (desktop and 390 px, into the
 * git-ignored test/demo/screenshots/) and runs axe-core. Then, on the same endpoint, the local
 * replica of its papers (replica-flow.ts). No console errors are allowed, and no request to an
 * origin but the page's own and the endpoint's.
 * Without /usr/bin/chromium the file is skipped with a printed reason.
 */
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVesperWorker, type RunningWorker } from '../edge/worker-harness.ts';
import { checkAccessibility, dropCurrent, exerciseSearchAndWrites, loadUserFile, search, waitStatus } from './demo-page.ts';
import { demoAvailable, openPage as open, shots, startDemo, type RunningDemo } from './demo-server.ts';
import { exerciseReplica, exerciseReplicaOffline } from './replica-flow.ts';

let demo: RunningDemo;
let url: string;

beforeAll(async () => {
  if (!demoAvailable) return;
  demo = await startDemo();
  url = demo.url;
});

afterAll(async () => {
  await demo?.close();
});

const openPage = (context: Parameters<typeof open>[0], path: string): ReturnType<typeof open> => open(context, `${url}${path}`);

/** The README's picture (docs/demo.png is a copy): a held-out paper's top 5 and the sweep plot. */
async function readmeShot(page: Page): Promise<void> {
  await page.setViewportSize({ width: 900, height: 900 });
  await page.selectOption('#query-mode', 'heldout');
  await page.selectOption('#heldout', '7');
  await page.fill('#topk', '5');
  await search(page);
  await page.waitForFunction(() => /recall@\d+ \d\.\d\d/.test(document.getElementById('recall')?.textContent ?? ''), undefined, { timeout: 60_000 });
  // page coordinates (a bounding box is relative to the scrolled viewport)
  const [top, bottom] = await page.evaluate(() => ['search', 'plot'].map((id) => document.getElementById(id)!.getBoundingClientRect()).map((r, i) => (i === 0 ? r.top : r.bottom) + window.scrollY));
  await page.screenshot({ path: `${shots}/readme.png`, fullPage: true, clip: { x: 0, y: top! - 8, width: 900, height: bottom! - top! + 16 } });
  await page.fill('#topk', '10');
}

async function screenshots(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${shots}/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  // usable at 390 px: nothing wider than the viewport (the rows table scrolls inside its box)
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: `${shots}/${name}-390.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe.skipIf(!demoAvailable)('the demo', () => {
  it('in this browser: loads the papers, searches, sweeps, writes, survives a reload, and hands over between tabs', async () => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, errors } = await openPage(context, '');
    await waitStatus(page, /^papers: 900 rows on this browser/, 150_000);
    expect(await page.locator('#table tbody tr').count()).toBe(10);
    expect(await page.locator('#tabs').textContent()).toMatch(/leader/);
    await exerciseSearchAndWrites(page);
    await checkAccessibility(page);
    await screenshots(page, 'browser');
    await readmeShot(page);

    // 10,000 synthetic rows in an IVF_FLAT index: progress with rows/s, searchable, an nprobe sweep
    await page.selectOption('#index-type', 'IVF_FLAT');
    await page.selectOption('#metric', 'L2');
    await page.selectOption('#synth-rows', '10000');
    await page.click('#synth-go');
    console.log(`[demo] ${await waitStatus(page, /^synthetic_10000_128: 10,000 rows, IVF_FLAT index \(L2\) built, .* rows\/s inserting/, 150_000)}`);
    expect(await page.locator('#describe').textContent()).toMatch(/10,000 rows.*index IVF_FLAT, metric L2, nlist=32/);
    await page.fill('#example-id', '17');
    await page.fill('#search-param', '32');
    expect((await search(page))[0]).toBe(17);
    // nprobe = nlist probes every list: the answer is exact search's, with and without a filter
    await expect.poll(() => page.locator('#recall').textContent(), { timeout: 60_000 }).toMatch(/recall@10 1\.00/);
    await page.fill('#filter', 'category == 3');
    await search(page);
    await expect.poll(() => page.locator('#recall').textContent(), { timeout: 60_000 }).toMatch(/recall@10 1\.00/);
    await page.fill('#filter', '');
    await page.click('#sweep');
    console.log(`[demo] ${await waitStatus(page, /^sweep done/, 150_000)}`);
    expect(await page.locator('#plot svg circle[data-label^="nprobe="]').count()).toBeGreaterThanOrEqual(3);
    await page.selectOption('#index-type', 'HNSW');
    await page.selectOption('#metric', 'COSINE');
    await dropCurrent(page, 'synthetic_10000_128');
    await loadUserFile(page);
    await dropCurrent(page, 'my_rows');

    await page.reload();
    await waitStatus(page, /^papers: 900 rows on this browser .* ready in/);
    console.log(`[demo] cold open after reload: ${await page.locator('#stat-cold-open').textContent()}`);
    expect(await page.locator('#stat-cold-open').textContent()).toMatch(/^\d[\d.]* ms from page load to papers ready to search \(reopened from storage: 900 rows already there\)/);
    expect(await page.locator('#stat-persistence').textContent()).toMatch(/persistent|best-effort/);
    expect(await page.locator('#stat-workers').textContent()).toMatch(/configured/);

    // a second tab follows; when the leader closes it takes over, and its line says so
    const second = await openPage(context, '');
    await waitStatus(second.page, /^papers: 900 rows/);
    expect(await second.page.locator('#tabs').textContent()).toMatch(/follower/);
    await page.close();
    await second.page.waitForFunction(() => /leader/.test(document.getElementById('tabs')?.textContent ?? ''), undefined, { timeout: 30_000 });
    expect(errors).toEqual([]);
    expect(second.errors).toEqual([]);
    await context.close();
  });

  describe('against the edge endpoint', () => {
    let edge: RunningWorker;
    let stopped = false;
    const stopEdge = async (): Promise<void> => {
      stopped = true;
      await edge.dispose();
    };
    beforeAll(async () => {
      edge = await startVesperWorker();
    });
    afterAll(async () => {
      if (!stopped) await edge?.dispose();
    });

    it('loads the papers over REST v2 and runs the same flow', async () => {
      const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
      const query = `?backend=edge&endpoint=${encodeURIComponent(edge.endpoint)}&token=root:Milvus`;
      const { page, errors } = await openPage(context, query);
      await waitStatus(page, /^connected to edge endpoint .* no collections yet/, 60_000);
      await page.click('#load-papers');
      await waitStatus(page, /^papers: 900 rows, HNSW index \(COSINE\) built/, 150_000);
      await page.waitForFunction(() => document.querySelectorAll('#table tbody tr').length === 10);
      await exerciseSearchAndWrites(page);
      console.log(`[demo] edge search: ${await page.locator('#search-meta').textContent()}`);
      expect(await page.locator('#search-meta').textContent()).toMatch(/answered by edge endpoint .* in \d[\d.]* ms \(client-side, network included; server \d[\d.]* ms\)/);
      expect(await page.locator('#page-info').textContent()).toMatch(/, server \d[\d.]* ms\)$/);
      await checkAccessibility(page);
      await screenshots(page, 'edge');
      await loadUserFile(page);
      await dropCurrent(page, 'my_rows');

      await page.reload();
      await waitStatus(page, /^papers: 900 rows on edge endpoint/);
      expect(errors).toEqual([]);
      await context.close();
    });

    it('replicates the edge papers into the tab: status, the edge\'s answers, writes forwarded once', async () => {
      const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
      const query = `?backend=edge&endpoint=${encodeURIComponent(edge.endpoint)}&token=root:Milvus`;
      const { page, errors } = await openPage(context, query);
      // the papers are there after the flow above; loaded here when this test runs alone
      const text = await waitStatus(page, /^papers: 900 rows on edge endpoint|^connected to edge endpoint .* no collections yet/, 60_000);
      if (text.startsWith('connected')) {
        await page.click('#load-papers');
        await waitStatus(page, /^papers: 900 rows, HNSW index \(COSINE\) built/, 150_000);
      }
      await exerciseReplica(page, edge.endpoint);
      await checkAccessibility(page);
      await screenshots(page, 'replica');
      expect(errors).toEqual([]);
      // last in this block: it stops the endpoint (the browser then logs the refused connections)
      await exerciseReplicaOffline(page, stopEdge);
      expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to fetch/.test(e))).toEqual([]);
      await context.close();
    });
  });
});
