/**
 * The demo page: Vesper evaluated in two minutes. One UI over three backends — "this browser"
 * (`openDatabase('opfs://vesper-demo')`, the engine in a worker, data surviving reloads and
 * shared by tabs), "edge endpoint" (the Milvus REST v2 endpoint `npm start` runs) and "local
 * replica of the edge collection" (`openDatabase('opfs://vesper-demo-replica-<name>',
 * { replicaOf })`: reads in this tab, writes forwarded to the edge). The first visit in the
 * browser loads the 900 arXiv papers and builds an HNSW index; a reload reopens them and shows
 * how long that took (cold open).
 *
 * URL parameters (used by the tests, handy for links): `?backend=edge&endpoint=http://…&token=…`,
 * `?backend=replica&endpoint=…&token=…&collection=papers`, `?memoryBudget=<bytes>` (the
 * browser database's block-cache budget; also kept in localStorage).
 */
import './style.css';
import { App } from './app.ts';
import type { Backend } from './backend/backend.ts';
import { BrowserBackend } from './backend/browser-backend.ts';
import { EdgeBackend } from './backend/edge-backend.ts';
import { ReplicaBackend, replicaUrl } from './backend/replica-backend.ts';
import { PAPERS_COLLECTION } from './data/arxiv.ts';
import { wireCollectionsPanel } from './ui/collections-panel.ts';
import { loadPaperCollection, wireDataPanel } from './ui/data-panel.ts';
import { $, busy, bytes, int, ms, status } from './ui/dom.ts';
import { renderStats, wireMeasurePanel, type ColdOpen } from './ui/measure-panel.ts';
import { wireRowsPanel } from './ui/rows-panel.ts';
import { rememberSource, replicaSource, wireReplicaPanel } from './ui/replica-panel.ts';
import { wireSearchPanel } from './ui/search-panel.ts';

const DB_URL = 'opfs://vesper-demo';
const params = new URLSearchParams(location.search);
let cold: ColdOpen | undefined;

const BUDGET_KEY = 'vesper-demo-memory-budget';
/** The collection the last replica copied (a reload reopens it, from storage when offline). */
const REPLICA_KEY = 'vesper-demo-replica-collection';
const KINDS = ['browser', 'edge', 'replica'];

/** The chosen memory budget in bytes, or undefined for the engine's default. */
function memoryBudget(): number | undefined {
  const v = $<HTMLSelectElement>('memory-budget').value;
  return v === '' ? undefined : Number(v);
}

/** Sets the budget select from the URL or localStorage (adding an option for a value it lacks). */
function initBudget(): void {
  const select = $<HTMLSelectElement>('memory-budget');
  const want = params.get('memoryBudget') ?? localStorage.getItem(BUDGET_KEY) ?? '';
  if (want !== '' && ![...select.options].some((o) => o.value === want)) select.add(new Option(`${bytes(Number(want))} (from the URL)`, want));
  select.value = want;
}

async function openBackend(kind: string): Promise<Backend> {
  if (kind === 'edge') {
    const edge = new EdgeBackend($<HTMLInputElement>('edge-url').value.replace(/\/+$/, ''), $<HTMLInputElement>('edge-token').value);
    await edge.ping();
    return edge;
  }
  if (kind === 'replica') {
    const source = replicaSource();
    if (source === undefined) throw new Error('nothing to replicate yet: connect to the edge endpoint and select a collection first');
    return ReplicaBackend.replicate(source, (w) => status(`the edge refused a queued ${w.method} on ${w.collection} (code ${w.code}): ${w.message}`));
  }
  return BrowserBackend.open(DB_URL, memoryBudget());
}

/** Opens the chosen backend, selects the papers (loading them on a first browser visit). */
async function start(app: App | undefined, kind: string): Promise<App> {
  const t0 = performance.now();
  const first = app === undefined;
  const replica = replicaSource();
  status(kind === 'edge' ? `connecting to ${$<HTMLInputElement>('edge-url').value}…` : kind === 'replica' && replica ? `opening ${replicaUrl(replica.collection)}: copying ${replica.collection} from ${replica.endpoint} on the first open…` : `opening ${DB_URL}…`);
  // reopening the same database (a new memory budget): this tab lets go of it first
  if (app !== undefined && kind !== 'edge' && app.backend.kind === kind) await app.backend.close();
  const backend = await openBackend(kind);
  if (app === undefined) app = new App(backend);
  else {
    const old = app.backend;
    app.setBackend(backend);
    if (old !== backend) await old.close().catch(() => undefined);
  }
  const names = await backend.listCollections();
  const had = names.includes(PAPERS_COLLECTION) ? await backend.count(PAPERS_COLLECTION) : 0;
  if (names.length === 0 && kind === 'browser') await loadPaperCollection(app);
  else await app.refresh(names.includes(PAPERS_COLLECTION) ? PAPERS_COLLECTION : names[0]);
  // cold open: from navigation start (performance.now()'s origin) on the page's first open only
  if (first) cold = { ms: performance.now(), rows: had, collection: app.collection?.name };
  status(
    app.collection
      ? `${app.collection.name}: ${int(app.collection.rows)} rows on ${backend.label}; ready in ${ms(first ? performance.now() : performance.now() - t0)}`
      : `connected to ${backend.label}; no collections yet — load the papers`,
  );
  await renderStats(app, cold);
  return app;
}

function chosenKind(): string {
  return document.querySelector<HTMLInputElement>('input[name=backend]:checked')?.value ?? 'browser';
}

/** Checks the radio of kind and shows the settings that go with it. */
function showKind(kind: string): void {
  document.querySelector<HTMLInputElement>(`input[name=backend][value=${KINDS.includes(kind) ? kind : 'browser'}]`)!.checked = true;
  showSettings();
}

function showSettings(): void {
  $('edge-settings').hidden = chosenKind() !== 'edge';
  $('budget-label').hidden = chosenKind() !== 'browser';
}

async function main(): Promise<void> {
  const kind = params.get('backend') ?? localStorage.getItem('vesper-demo-backend') ?? 'browser';
  if (params.get('endpoint')) $<HTMLInputElement>('edge-url').value = params.get('endpoint')!;
  if (params.get('token')) $<HTMLInputElement>('edge-token').value = params.get('token')!;
  const replicated = params.get('collection') ?? localStorage.getItem(REPLICA_KEY);
  if (kind === 'replica' && replicated) rememberSource({ endpoint: $<HTMLInputElement>('edge-url').value.replace(/\/+$/, ''), token: $<HTMLInputElement>('edge-token').value, collection: replicated });
  showKind(kind);
  // the switch answers at once, even while the first backend is still opening
  const switcher: { to?: (k: string) => Promise<void> } = {};
  const switchTo = (k: string): Promise<void> => (switcher.to ? switcher.to(k) : Promise.resolve(status('still opening the first database; try again in a moment')));
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=backend]')) {
    radio.addEventListener('change', () => {
      showSettings();
      // the edge needs its URL and token first: Connect switches; the browser and the replica switch
      // now, or as soon as the first backend is open (main's last step)
      if (switcher.to && chosenKind() !== 'edge') void busy(undefined, () => switchTo(chosenKind()));
    });
  }
  initBudget();
  $('memory-budget').addEventListener('change', () => {
    localStorage.setItem(BUDGET_KEY, $<HTMLSelectElement>('memory-budget').value);
    if (switcher.to && chosenKind() === 'browser') void busy(undefined, () => switchTo('browser'));
  });
  const connect = $<HTMLButtonElement>('edge-connect');
  connect.addEventListener('click', () => void busy(connect, () => switchTo('edge')));

  let app: App | undefined;
  try {
    app = await start(undefined, kind);
  } catch (err) {
    const e = err as { code?: number; message?: string };
    status(`cannot open the ${kind === 'edge' ? 'edge endpoint' : kind === 'replica' ? 'replica' : 'database'}${e.code ? ` (code ${e.code})` : ''}: ${e.message ?? String(err)}`);
    if (kind === 'browser') return;
    app = await start(undefined, 'browser');
    showKind('browser');
  }
  const a = app;
  wireDataPanel(a);
  wireCollectionsPanel(a);
  wireSearchPanel(a);
  wireMeasurePanel(a, () => cold);
  wireRowsPanel(a);
  wireReplicaPanel(a);
  await a.select(a.collection?.name);

  switcher.to = async (k: string): Promise<void> => {
    try {
      await start(a, k);
    } catch (err) {
      showKind(a.backend.kind); // still on the backend that was open
      throw err;
    }
    localStorage.setItem('vesper-demo-backend', k);
    if (a.backend instanceof ReplicaBackend) localStorage.setItem(REPLICA_KEY, a.backend.source.collection);
    await a.select(a.collection?.name);
  };
  // a choice made while the first backend was still opening (its change event found no switcher
  // yet) is carried out now; the edge waits for Connect as always
  const chosen = chosenKind();
  if (chosen !== 'edge' && chosen !== a.backend.kind) await busy(undefined, () => switchTo(chosen));
  document.body.dataset['ready'] = 'true';
}

void main();
