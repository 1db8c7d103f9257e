/**
 * Driving the demo page with Playwright: waits on the page's own readouts (the aria-live
 * status, data-* attributes), and the exact-search oracle for the papers (brute force over the
 * same static files the page serves).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright';
import { expect } from 'vitest';
import { compare, oracle } from '../text/full-text-scenario.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DIM = 384;

function vectors(file: string): Float32Array[] {
  const buf = readFileSync(`${root}demo/public/arxiv/${file}`);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return Array.from({ length: all.length / DIM }, (_, i) => all.subarray(i * DIM, (i + 1) * DIM));
}

export const base = vectors('base.f32');
export const queries = vectors('query.f32');

/** Exact cosine top-k of q over the papers (ids = row positions), ties to the lower id. */
export function exactTop(q: Float32Array, k: number, keep: (id: number) => boolean = () => true): number[] {
  const cos = (a: Float32Array, b: Float32Array): number => {
    let d = 0, na = 0, nb = 0;
    for (let i = 0; i < a.length; i++) [d, na, nb] = [d + a[i]! * b[i]!, na + a[i]! * a[i]!, nb + b[i]! * b[i]!];
    return d / Math.sqrt(na * nb);
  };
  return base
    .map((v, id) => ({ id, s: cos(q, v) }))
    .filter((x) => keep(x.id))
    .sort((a, b) => b.s - a.s || a.id - b.id)
    .slice(0, k)
    .map((x) => x.id);
}

export async function statusText(page: Page): Promise<string> {
  return (await page.locator('#status').textContent()) ?? '';
}

/** Waits until the status line matches re (the page reports every step there). */
export async function waitStatus(page: Page, re: RegExp, timeout = 120_000): Promise<string> {
  try {
    await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('status')?.textContent ?? ''), re.source, { timeout, polling: 100 });
  } catch (err) {
    // say where the page got to: the status line names the step it is on or what failed
    throw new Error(`waited ${timeout} ms for the status to match ${re}; it says: ${await statusText(page).catch(() => '(page gone)')}`, { cause: err });
  }
  return statusText(page);
}

export async function resultIds(page: Page): Promise<number[]> {
  return (await page.locator('#results li').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).map(Number);
}

/** Runs a search and waits for its answer (the status names the hit count). */
export async function search(page: Page): Promise<number[]> {
  await page.evaluate(() => (document.getElementById('status')!.textContent = 'searching (test)'));
  await page.click('#search-go');
  const text = await waitStatus(page, /^search: \d+ hits|failed/, 60_000);
  if (text.startsWith('failed')) throw new Error(`the search failed: ${text}`);
  return resultIds(page);
}

const abstracts = (JSON.parse(readFileSync(`${root}demo/public/arxiv/texts.json`, 'utf8')) as { base: [string, string][] }).base.map((t) => t[1]);

/**
 * Full-text search for `words` in the abstracts: the hits and their BM25 scores (shown to 4
 * decimals) are a naive BM25's over the 900 abstracts, with the standard analyzer the demo's
 * field uses (ties may order either way).
 */
async function checkTextSearch(page: Page, words: string): Promise<void> {
  await page.selectOption('#query-mode', 'text');
  await page.fill('#text-query', words);
  await page.evaluate(() => (document.getElementById('status')!.textContent = 'searching (test)'));
  await page.click('#search-go');
  const text = await waitStatus(page, /^full-text search: \d+ hits|failed/, 60_000);
  if (text.startsWith('failed')) throw new Error(`the full-text search failed: ${text}`);
  const ids = await resultIds(page);
  const scores = (await page.locator('#results li .score').allTextContents()).map((s) => Number(/^BM25 (\S+)$/.exec(s)![1]));
  const docs = abstracts.map((a, id) => ({ id, text: a, tag: 0, part: 'p0' as const }));
  const want = await oracle(docs, words, () => true, 1.2, 0.75, { type: 'standard' });
  expect(ids.length).toBe(Math.min(10, want.length));
  expect(ids.length).toBeGreaterThan(0);
  expect(compare(ids.map((id, i) => ({ id, score: scores[i]! })), want, 10)).toBeUndefined();
  expect(await page.locator('#search-meta').textContent()).toMatch(/hits for the words .* \(BM25 over the abstracts\) — answered by/);
  await page.selectOption('#query-mode', 'example');
}

interface Scored {
  readonly id: number;
  readonly score: number;
}

/** The listed hits with their scores at full precision (data-score). */
async function scoredHits(page: Page): Promise<Scored[]> {
  return page.locator('#results li').evaluateAll((els) => els.map((e) => ({ id: Number(e.getAttribute('data-id')), score: Number(e.getAttribute('data-score')) })));
}

/**
 * Milvus's rerankers over two ranked lists, computed here from the lists the page showed for
 * each sub-search alone: RRF Σ 1/(k + rank) (rank from 1), weighted Σ wᵢ·norm(scoreᵢ) with
 * COSINE → (1 + s)/2 and BM25 → 2·atan(s)/π; best first, ties to the lower id.
 */
function fuse(lists: readonly Scored[][], score: (list: number, rank: number, s: number) => number, limit: number): Scored[] {
  const acc = new Map<number, number>();
  lists.forEach((list, i) => list.forEach((h, r) => acc.set(h.id, (acc.get(h.id) ?? 0) + score(i, r + 1, h.score))));
  return [...acc].map(([id, s]) => ({ id, score: s })).sort((a, b) => b.score - a.score || a.id - b.id).slice(0, limit);
}

/** The hybrid answer is the fused oracle's: the same scores, the same ids except between near-equal scores. */
function expectFused(got: readonly Scored[], want: readonly Scored[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((h, i) => {
    expect(h.score).toBeCloseTo(want[i]!.score, 6);
    if (Math.abs(want[i]!.score - (want[i + 1]?.score ?? -Infinity)) > 1e-6 && Math.abs(want[i]!.score - (want[i - 1]?.score ?? Infinity)) > 1e-6) expect(h.id).toBe(want[i]!.id);
  });
  expect(new Set(got.map((h) => h.id))).toEqual(new Set(want.map((h) => h.id)));
}

/**
 * Hybrid search of `words` and row `rowId`'s vector, by RRF and by weighted scores: each answer
 * is the fusion (computed here) of what the dense search and the full-text search answer alone.
 */
async function checkHybridSearch(page: Page, rowId: number, words: string): Promise<void> {
  await page.selectOption('#query-mode', 'example');
  await page.fill('#example-id', String(rowId));
  await search(page);
  const dense = await scoredHits(page);
  await page.selectOption('#query-mode', 'text');
  await page.fill('#text-query', words);
  await page.click('#search-go');
  await waitStatus(page, /^full-text search: \d+ hits/, 60_000);
  const text = await scoredHits(page);

  const hybrid = async (): Promise<Scored[]> => {
    await page.evaluate(() => (document.getElementById('status')!.textContent = 'searching (test)'));
    await page.click('#search-go');
    const said = await waitStatus(page, /^hybrid search: \d+ hits|failed/, 60_000);
    if (said.startsWith('failed')) throw new Error(`the hybrid search failed: ${said}`);
    return scoredHits(page);
  };
  await page.selectOption('#query-mode', 'hybrid');
  await page.selectOption('#rerank', 'rrf');
  await page.fill('#rrf-k', '60');
  const rrf = await hybrid();
  expectFused(rrf, fuse([dense, text], (_i, rank) => 1 / (60 + rank), 10));
  // both lists contribute: the row itself (dense top-1) and the best text hit are in the fused top-10
  expect(rrf.map((h) => h.id)).toContain(dense[0]!.id);
  expect(rrf.map((h) => h.id)).toContain(text[0]!.id);
  expect(await page.locator('#search-meta').textContent()).toMatch(/hits fusing row \d+ \(COSINE\) with the words .* \(BM25\) by RRF, k=60 — answered by/);

  await page.selectOption('#rerank', 'weighted');
  await page.fill('#dense-weight', '0.7');
  const weighted = await hybrid();
  const w = [0.7, 0.3];
  const norm = [(s: number): number => (1 + s) / 2, (s: number): number => (2 * Math.atan(s)) / Math.PI];
  expectFused(weighted, fuse([dense, text], (i, _rank, s) => w[i]! * norm[i]!(s), 10));
  await page.selectOption('#rerank', 'rrf');
  await page.selectOption('#query-mode', 'example');
}

/** The flow both backends share, from "papers loaded" on: search, filter, oracle, sweep, writes. */
export async function exerciseSearchAndWrites(page: Page): Promise<void> {
  // search by example: click the third row of the table, search like it; the row itself is nearest
  const row = page.locator('#table tbody tr').nth(2);
  const rowId = Number(await row.getAttribute('data-id'));
  await row.click();
  await page.selectOption('#query-mode', 'example');
  const byExample = await search(page);
  expect(byExample).toHaveLength(10);
  expect(byExample[0]).toBe(rowId);
  expect(await page.locator('#results li details').count()).toBe(10); // abstracts, collapsed
  await expect.poll(() => page.locator('#recall').textContent(), { timeout: 60_000 }).toMatch(/recall@10 \d\.\d\d against exact search/);
  await checkTextSearch(page, 'graph neural networks');
  await checkHybridSearch(page, rowId, 'graph neural networks');

  // a filter: every hit satisfies it, and the hits are the exact top-10 among the rows it keeps
  await page.fill('#filter', 'id >= 300 and id < 600');
  await page.fill('#search-param', '256');
  const filtered = await search(page);
  expect(filtered).toHaveLength(10);
  expect(filtered.every((id) => id >= 300 && id < 600)).toBe(true);
  expect(filtered).toEqual(exactTop(base[rowId]!, 10, (id) => id >= 300 && id < 600));

  // a bad filter: a coded error with the position marked, nothing else changes
  await page.fill('#filter', 'id >>> 3 and');
  await page.click('#search-go');
  await page.waitForSelector('#filter-error:not([hidden])');
  expect(await page.locator('#filter-error').textContent()).toMatch(/code \d+: .*cannot parse expression/);
  expect(await page.locator('#filter-error mark').count()).toBe(1);
  await page.fill('#filter', '');

  // a held-out paper (not in the collection): the known top result is exact search's top-1
  await page.selectOption('#query-mode', 'heldout');
  await page.selectOption('#heldout', '7');
  const held = await search(page);
  expect(held[0]).toBe(exactTop(queries[7]!, 1)[0]);

  // a pasted vector: the same held-out paper as JSON gives the same top result
  await page.selectOption('#query-mode', 'vector');
  await page.fill('#vector', JSON.stringify(Array.from(queries[7]!)));
  expect((await search(page))[0]).toBe(held[0]);

  // sweep ef: a plot with one point per setting
  await page.click('#sweep');
  console.log(`[demo] ${await waitStatus(page, /^sweep done/, 150_000)}`);
  expect(await page.locator('#plot svg circle').count()).toBeGreaterThanOrEqual(3);

  // insert a row, find it, delete it, and it is gone
  const vector = Array.from(queries[3]!);
  await page.fill('#row-json', JSON.stringify({ id: 777777, vector, title: 'A row inserted by the demo test', abstract: 'Inserted and deleted again.' }));
  await page.click('#row-insert');
  await waitStatus(page, /^insert: 1 row .* now has 901 rows/);
  await page.selectOption('#query-mode', 'example');
  await page.fill('#example-id', '777777');
  expect((await search(page))[0]).toBe(777777);
  // upsert the same id with a title: the row is replaced, the count stays
  await page.fill('#row-json', JSON.stringify({ id: 777777, vector, title: 'Upserted by the demo test', abstract: 'Replaced.' }));
  await page.click('#row-upsert');
  await waitStatus(page, /^upsert: 1 row .* now has 901 rows/);
  await search(page);
  expect(await page.locator('#results li').first().locator('.title').textContent()).toBe('Upserted by the demo test');
  await page.fill('#row-delete-id', '777777');
  await page.click('#row-delete');
  await waitStatus(page, /^delete: 1 row .* now has 900 rows/);
  await page.fill('#example-id', '777777');
  await page.click('#search-go');
  await waitStatus(page, /no row with id 777777/);
  await page.fill('#example-id', String(rowId));
}

/** axe-core on the page as it is: no serious or critical violations. */
export async function checkAccessibility(page: Page): Promise<void> {
  await page.addScriptTag({ content: readFileSync(`${root}node_modules/axe-core/axe.min.js`, 'utf8') });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const res = await axe.run(document);
    return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  expect(violations).toEqual([]);
}

/** The user's own file: an NDJSON upload shows its schema, then becomes a searchable collection. */
export async function loadUserFile(page: Page): Promise<void> {
  const rows = Array.from({ length: 40 }, (_, i) => ({ id: i, vec: Array.from(base[i]!.subarray(0, 16)), label: `row ${i}`, weight: i / 4 }));
  await page.setInputFiles('#file', { name: 'my-rows.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n')) });
  await page.waitForSelector('#file-preview table');
  expect(await page.locator('#file-preview').textContent()).toMatch(/NDJSON, 40 rows.*idInt64 primary key.*vecFloatVector\(16\).*labelVarChar.*weightDouble/);
  await page.click('#file-preview button');
  await waitStatus(page, /^my_rows: 40 rows, .* index .* built/);
  await page.fill('#example-id', '5');
  await page.selectOption('#query-mode', 'example');
  await page.fill('#filter', '');
  const ids = await search(page);
  expect(ids[0]).toBe(5);
}

/** Drops the current collection (accepting the confirmation) and returns to the papers. */
export async function dropCurrent(page: Page, name: string): Promise<void> {
  page.once('dialog', (d) => void d.accept());
  await page.click('#drop');
  await waitStatus(page, new RegExp(`^dropped ${name}`));
  expect(await page.locator('#collection option').allTextContents()).not.toContain(name);
  await page.selectOption('#collection', 'papers');
  await waitStatus(page, /^papers: 900 rows/);
}
