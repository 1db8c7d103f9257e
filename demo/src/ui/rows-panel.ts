/**
 * The Rows panel: the collection's rows a page at a time (query with offset and limit, in
 * primary-key order), a row inspector (click or Enter on a row: its JSON, vector included),
 * and insert / upsert / delete of one row, after which the table and counts are reloaded.
 */
import type { App } from '../app.ts';
import type { Row } from '../backend/backend.ts';
import { plainTitle } from '../data/latex.ts';
import { $, busy, el, int, ms, status } from './dom.ts';

const PAGE = 10;
let offset = 0;

const show = (v: unknown): string => (Array.isArray(v) || ArrayBuffer.isView(v) ? `[${Array.from(v as ArrayLike<number>).slice(0, 3).map((x) => x.toFixed(3)).join(', ')}, …]` : typeof v === 'string' ? v : JSON.stringify(v));

/** Shows a row's JSON in the inspector (vectors as plain lists, so the JSON can be edited and upserted). */
function inspect(row: Row): void {
  const plain = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v]));
  $<HTMLTextAreaElement>('row-json').value = JSON.stringify(plain);
}

export async function loadPage(app: App): Promise<void> {
  const c = app.collection;
  const thead = $('table').querySelector('thead')!;
  const tbody = $('table').querySelector('tbody')!;
  if (c === undefined) {
    thead.replaceChildren();
    tbody.replaceChildren();
    $('page-info').textContent = '';
    return;
  }
  offset = Math.max(0, Math.min(offset, Math.max(0, c.rows - 1)));
  // a BM25 function's output is not stored data: Milvus does not return it
  const cols = c.fields.filter((f) => f.type !== 'SparseFloatVector').map((f) => f.name);
  const res = await app.backend.query(c.name, { filter: '', offset, limit: PAGE, outputFields: cols });
  thead.replaceChildren(el('tr', {}, ...cols.map((n) => el('th', { scope: 'col', text: n }))));
  tbody.replaceChildren(
    ...res.value.map((row) => {
      const tr = el('tr', { tabindex: '0', 'data-id': String(row[c.pk]) }, ...cols.map((n) => el('td', { text: n === 'title' && typeof row[n] === 'string' ? plainTitle(row[n]) : show(row[n]) })));
      const open = (): void => {
        inspect(row);
        $<HTMLInputElement>('row-delete-id').value = String(row[c.pk]);
        $<HTMLInputElement>('example-id').value = String(row[c.pk]);
        status(`row ${String(row[c.pk])} in the inspector (and set as the search example)`);
      };
      tr.addEventListener('click', open);
      tr.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          open();
        }
      });
      return tr;
    }),
  );
  $('page-info').textContent = c.rows === 0 ? 'no rows' : `rows ${int(offset + 1)}–${int(offset + res.value.length)} of ${int(c.rows)} (query offset ${offset}, ${ms(res.clientMs)}${res.serverMs !== undefined ? `, server ${ms(res.serverMs)}` : ''})`;
  $<HTMLButtonElement>('page-prev').disabled = offset === 0;
  $<HTMLButtonElement>('page-next').disabled = offset + PAGE >= c.rows;
}

function parseRow(): Row {
  let row: unknown;
  try {
    row = JSON.parse($<HTMLTextAreaElement>('row-json').value);
  } catch {
    throw new Error('the row is not JSON: write an object like {"id": 5000, "vector": [...], "title": "…"}');
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new Error('the row must be one JSON object');
  return row as Row;
}

/** The status after a write: the new count, or (a replica offline) that the write waits in its queue. */
function written(app: App, what: string, n: number, row: string): string {
  const queued = app.backend.lastWriteQueued;
  const c = app.collection;
  if (queued !== undefined) return `${what} queued (request ${queued}): the edge is unreachable; the replica sends it when the edge answers, and shows it once synced`;
  return `${what}: ${n} row (${row}) — ${c?.name ?? ''} now has ${int(c?.rows ?? 0)} rows`;
}

export function wireRowsPanel(app: App): void {
  app.onChange(() => void loadPage(app).catch((e: Error) => status(`rows: ${e.message}`)));
  const prev = $<HTMLButtonElement>('page-prev');
  const next = $<HTMLButtonElement>('page-next');
  prev.addEventListener('click', () => void busy(prev, async () => ((offset = Math.max(0, offset - PAGE)), await loadPage(app))));
  next.addEventListener('click', () => void busy(next, async () => ((offset += PAGE), await loadPage(app))));
  const write = (id: string, what: 'insert' | 'upsert'): void => {
    const btn = $<HTMLButtonElement>(id);
    btn.addEventListener('click', () =>
      void busy(btn, async () => {
        const c = app.collection;
        if (c === undefined) return;
        const row = parseRow();
        const n = what === 'insert' ? await app.backend.insert(c.name, [row]) : await app.backend.upsert(c.name, [row]);
        await app.written();
        status(written(app, what, n, `${c.pk} ${String(row[c.pk])}`));
      }),
    );
  };
  write('row-insert', 'insert');
  write('row-upsert', 'upsert');
  const del = $<HTMLButtonElement>('row-delete');
  del.addEventListener('click', () =>
    void busy(del, async () => {
      const c = app.collection;
      if (c === undefined) return;
      const raw = $<HTMLInputElement>('row-delete-id').value.trim();
      if (raw === '') throw new Error('type the id of the row to delete');
      const id = c.fields.find((f) => f.primary)?.type === 'VarChar' ? raw : Number(raw);
      const n = await app.backend.deleteByIds(c.name, [id]);
      await app.written();
      status(written(app, 'delete', n, `${c.pk} ${raw}`));
    }),
  );
}
