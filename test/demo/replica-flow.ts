/**
 * The demo's replica flow (`local replica of the edge collection`), from a page connected to
 * the edge with the papers there: switch to the replica, read its status, search it against
 * the edge's own answer (asked over REST from Node), write through it and count on the edge
 * that each write landed once, then "Sync now"; and with the edge stopped, the copy answers
 * on and a write waits in the queue. The edge is asked directly, not through the page, so the
 * check does not lean on the code it checks.
 */
import type { Page } from 'playwright';
import { expect } from 'vitest';
import { base, queries, search, waitStatus } from './demo-page.ts';

const AUTH = { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' };

async function rest<T>(endpoint: string, route: string, body: unknown): Promise<T> {
  const res = await fetch(`${endpoint}/v2/vectordb/${route}`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) });
  const reply = (await res.json()) as { code: number; message?: string; data?: T };
  expect(reply.code, `${route}: ${reply.message}`).toBe(0);
  return reply.data as T;
}

/** The papers' row count on the edge (Strong: every acknowledged write). */
export async function edgeCount(endpoint: string): Promise<number> {
  const [row] = await rest<{ 'count(*)': number }[]>(endpoint, 'entities/query', { collectionName: 'papers', filter: '', outputFields: ['count(*)'], consistencyLevel: 'Strong' });
  return Number(row?.['count(*)']);
}

/** The edge's top hit for a vector over the papers. */
async function edgeTop(endpoint: string, vector: Float32Array): Promise<number> {
  const [hit] = await rest<{ id: number | string }[]>(endpoint, 'entities/search', { collectionName: 'papers', data: [Array.from(vector)], limit: 1, consistencyLevel: 'Strong' });
  return Number(hit?.id);
}

export async function exerciseReplica(page: Page, endpoint: string): Promise<void> {
  await page.check('input[name=backend][value=replica]');
  console.log(`[demo] ${await waitStatus(page, /^papers: 900 rows on local replica of papers \(opfs:\/\/vesper-demo-replica-papers/, 60_000)}`);
  await expect.poll(() => page.locator('#replica-state').getAttribute('data-online')).toBe('true');
  expect(Number(await page.locator('#replica-bytes').getAttribute('data-bytes'))).toBeGreaterThan(0);
  console.log(`[demo] replica ${await page.locator('#replica-initial').textContent()}`);
  expect(await page.locator('#replica-initial').textContent()).toMatch(/^copied \d[\d.]* (KiB|MiB) in \d[\d.]* ms/);
  // schema changes are not offered: the buttons are gone and a line says why
  for (const id of ['#load-papers', '#synth-go', '#drop']) expect(await page.locator(id).isVisible()).toBe(false);
  expect(await page.locator('[data-replica-note]').first().isVisible()).toBe(true);

  // search by example: the row itself is nearest, as on the edge; the readout shows both latencies
  await page.waitForFunction(() => document.querySelectorAll('#table tbody tr').length === 10);
  const row = page.locator('#table tbody tr').nth(4);
  const rowId = Number(await row.getAttribute('data-id'));
  await row.click();
  await page.selectOption('#query-mode', 'example');
  await page.fill('#filter', '');
  const ids = await search(page);
  expect(ids[0]).toBe(rowId);
  expect(ids[0]).toBe(await edgeTop(endpoint, base[rowId]!));
  expect(await page.locator('#search-meta').textContent()).toMatch(/answered by local replica of papers/);
  await expect.poll(() => page.locator('#search-compare').textContent(), { timeout: 30_000 }).toMatch(/replica: \d[\d.]* ms, edge: \d[\d.]* ms \(server \d[\d.]* ms\); the same top hit/);
  console.log(`[demo] replica search: ${await page.locator('#search-meta').textContent()}`);

  // a write through the replica lands on the edge once, and the replica shows it after its sync
  const before = await edgeCount(endpoint);
  const vector = Array.from(queries[5]!);
  await page.fill('#row-json', JSON.stringify({ id: 888888, vector, title: 'Written through the replica', abstract: 'Forwarded to the edge.' }));
  await page.click('#row-insert');
  await waitStatus(page, new RegExp(`^insert: 1 row .* now has ${before + 1} rows`));
  expect(await edgeCount(endpoint)).toBe(before + 1);
  await page.fill('#example-id', '888888');
  expect((await search(page))[0]).toBe(888888);
  await expect.poll(() => page.locator('#replica-state').textContent()).toMatch(/online; pending writes: 0; rejected writes: 0/);
  await page.fill('#row-delete-id', '888888');
  await page.click('#row-delete');
  await waitStatus(page, new RegExp(`^delete: 1 row .* now has ${before} rows`));
  expect(await edgeCount(endpoint)).toBe(before);
  await page.fill('#example-id', String(rowId));

  await page.click('#replica-sync');
  await waitStatus(page, new RegExp(`^synced papers with the edge in \\d[\\d.]* ms: ${before} rows`));
}

/**
 * After `stop()` ends the edge: the panel says offline, an Eventually search is answered from
 * the copy, an insert is queued (pending writes: 1) rather than failed, and a reload opens the
 * copy from storage with the write still queued.
 */
export async function exerciseReplicaOffline(page: Page, stop: () => Promise<void>): Promise<void> {
  await stop();
  await expect.poll(() => page.locator('#replica-state').getAttribute('data-online'), { timeout: 20_000 }).toBe('false');
  expect(await page.locator('#replica-online').textContent()).toMatch(/^offline.*reads go on from the copy/);
  const rowId = Number(await page.locator('#example-id').inputValue());
  await page.selectOption('#consistency', 'Eventually');
  expect((await search(page))[0]).toBe(rowId);
  await expect.poll(() => page.locator('#search-compare').textContent(), { timeout: 30_000 }).toMatch(/the edge did not answer .*: the replica answered from its copy/);
  await page.fill('#row-json', JSON.stringify({ id: 888889, vector: Array.from(queries[6]!), title: 'Queued while offline', abstract: 'Waits in IndexedDB.' }));
  await page.click('#row-insert');
  await waitStatus(page, /^insert queued \(request \S+\): the edge is unreachable/);
  await expect.poll(() => page.locator('#replica-state').textContent()).toMatch(/offline; pending writes: 1; rejected writes: 0/);

  // a reload, still offline, opens the replica from this browser's storage, the write still queued
  const at = new URL(page.url());
  at.search = new URLSearchParams({ backend: 'replica', endpoint: at.searchParams.get('endpoint') ?? '', token: 'root:Milvus', collection: 'papers' }).toString();
  await page.goto(at.href);
  await waitStatus(page, /^papers: 900 rows on local replica of papers/, 60_000);
  await expect.poll(() => page.locator('#replica-state').textContent()).toMatch(/offline; pending writes: 1; rejected writes: 0/);
  expect(await page.locator('#replica-open').textContent()).toMatch(/from this browser's storage \(nothing copied again\)/);
}
