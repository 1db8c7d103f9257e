/** The Collection panel: pick the current collection, describe it (schema, index, rows), drop it. */
import type { App } from '../app.ts';
import { $, busy, el, int, status } from './dom.ts';

function describe(app: App): void {
  const c = app.collection;
  const box = $('describe');
  if (c === undefined) {
    box.replaceChildren(el('p', { class: 'note', text: 'No collection yet: load the papers above, generate a synthetic set or load a file.' }));
    return;
  }
  const i = c.index;
  const params = i ? Object.entries(i.params).filter(([k]) => !/^(index_type|metric_type)$/.test(k)) : [];
  const fields = el('table', {}, el('caption', { class: 'note', text: `${c.name}: ${int(c.rows)} rows` }), el('thead', {}, el('tr', {}, el('th', { text: 'field' }), el('th', { text: 'type' }))), el('tbody', {}, ...c.fields.map((f) => el('tr', {}, el('td', { text: f.name }), el('td', { text: `${f.type}${f.dim ? ` (dim ${f.dim})` : ''}${f.maxLength ? ` (max ${f.maxLength})` : ''}${f.primary ? ', primary key' : ''}${f.autoId ? ', auto id' : ''}` })))));
  const index = el('p', { text: i ? `index ${i.indexType}, metric ${i.metric}${params.length ? `, ${params.map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}; ${int(i.indexedRows)} of ${int(i.totalRows)} rows indexed (the rest are searched exactly)` : 'no index' });
  box.replaceChildren(fields, index);
}

export function wireCollectionsPanel(app: App): void {
  const select = $<HTMLSelectElement>('collection');
  app.onChange(() => {
    select.replaceChildren(...app.names.map((n) => new Option(n, n, false, n === app.collection?.name)));
    describe(app);
  });
  select.addEventListener('change', () => void busy(undefined, async () => {
    await app.refresh(select.value);
    status(`${select.value}: ${int(app.collection?.rows ?? 0)} rows`);
  }));
  const refresh = $<HTMLButtonElement>('refresh');
  refresh.addEventListener('click', () => void busy(refresh, () => app.refresh()));
  const drop = $<HTMLButtonElement>('drop');
  drop.addEventListener('click', () =>
    void busy(drop, async () => {
      const c = app.collection;
      if (c === undefined) return;
      if (!confirm(`Drop collection ${c.name} and all its rows?`)) return;
      await app.backend.drop(c.name);
      app.collection = undefined;
      await app.refresh();
      status(`dropped ${c.name}`);
    }),
  );
}
