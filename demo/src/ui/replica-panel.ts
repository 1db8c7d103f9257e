/**
 * The local replica's panel: when the replica can be chosen (the edge endpoint is connected and
 * a collection selected there, or a replica was opened before), its state while it is in use —
 * online or offline, lag, bytes held, last sync, pending and rejected writes, the initial sync
 * ("copied N in T ms") — read every second from `replicaStatus()`, and "Sync now". For this
 * backend the controls that would change the schema (`[data-ddl]`) are hidden and a one-line
 * note (`[data-replica-note]`) says why: the replica forwards row writes, not DDL.
 *
 * Only the summary line (online, pending, rejected) is an aria-live region, and it changes only
 * when one of those does: the lag and last-sync readouts tick every second and would otherwise
 * be read out every second.
 */
import type { App } from '../app.ts';
import { EdgeBackend } from '../backend/edge-backend.ts';
import { POLL_MS, ReplicaBackend, type ReplicaSource } from '../backend/replica-backend.ts';
import { $, busy, bytes, el, int, ms, status } from './dom.ts';

const TICK_MS = 1000;
let source: ReplicaSource | undefined;

/** The collection and edge a replica would copy now (the last edge collection selected, or the open replica's). */
export function replicaSource(): ReplicaSource | undefined {
  return source;
}

/** Sets what "local replica" opens (from the URL or localStorage at page load) and enables the choice. */
export function rememberSource(s: ReplicaSource): void {
  source = s;
  showAvailability(false);
}

function showAvailability(isReplica: boolean): void {
  const radio = document.querySelector<HTMLInputElement>('input[name=backend][value=replica]')!;
  radio.disabled = source === undefined;
  $('replica-avail').textContent =
    source === undefined
      ? '(connect to the edge endpoint and select a collection first)'
      : isReplica
        ? `(${source.collection} from ${source.endpoint})`
        : `(copies ${source.collection} from ${source.endpoint} into this tab)`;
}

/** Hides the schema-changing controls for a replica, and shows why. */
function gateDdl(isReplica: boolean): void {
  for (const e of document.querySelectorAll<HTMLElement>('[data-ddl]')) e.hidden = isReplica;
  for (const e of document.querySelectorAll<HTMLElement>('[data-replica-note]')) e.hidden = !isReplica;
}

const ago = (at: number): string => `${Math.max(0, Math.round((Date.now() - at) / 1000))} s ago`;

async function render(b: ReplicaBackend): Promise<void> {
  const [s, rejected] = await Promise.all([b.status(), b.rejectedWrites()]);
  if (s === undefined) return;
  const last = rejected[rejected.length - 1];
  const items: [string, string, string][] = [
    ['source', 'Copy of', `${b.source.collection} on ${b.source.endpoint}, in ${b.db.url}; polled every ${POLL_MS / 1000} s`],
    ['online', 'Edge', s.online ? 'online' : `offline${s.lastError ? ` (code ${s.lastError.code}: ${s.lastError.message})` : ''}: reads go on from the copy, writes wait in IndexedDB`],
    ['lag', 'Lag', Number.isFinite(s.lagMs) ? `${ms(s.lagMs)} behind the edge` : 'not synced yet'],
    ['bytes', 'Held', `${bytes(s.bytes)} (copied files and the growing tail)`],
    ['last-sync', 'Last sync', s.lastSyncAt === undefined ? 'not yet' : `${new Date(s.lastSyncAt).toLocaleTimeString()} (${ago(s.lastSyncAt)})`],
    ['pending', 'Pending writes', `${int(s.pendingWrites)} sent or queued, not yet acknowledged by the edge`],
    ['rejected', 'Rejected writes', `${int(rejected.length)}${last ? `; last: ${last.method} (code ${last.code}) ${last.message}` : ''}`],
    ['initial', 'Initial sync', `copied ${bytes(b.initial.bytes)} in ${ms(b.initial.ms)} (${new Date(b.initial.at).toLocaleString()})`],
    ['open', 'This open', b.firstOpen ? 'the initial sync above' : `${ms(b.openMs)}, from this browser's storage (nothing copied again)`],
  ];
  $('replica-stats').replaceChildren(...items.flatMap(([id, k, v]) => [el('dt', { text: k }), el('dd', { id: `replica-${id}`, text: v })]));
  $('replica-bytes').dataset['bytes'] = String(s.bytes);
  const summary = `${b.source.collection}: ${s.online ? 'online' : 'offline'}; pending writes: ${int(s.pendingWrites)}; rejected writes: ${int(rejected.length)}`;
  const line = $('replica-state');
  if (line.textContent !== summary) line.textContent = summary;
  line.dataset['online'] = String(s.online);
}

export function wireReplicaPanel(app: App): void {
  const box = $('replica');
  const redraw = (): void => {
    const b = app.backend;
    if (b instanceof EdgeBackend && app.collection !== undefined) source = { endpoint: b.endpoint, token: b.token, collection: app.collection.name };
    const isReplica = b instanceof ReplicaBackend;
    showAvailability(isReplica);
    gateDdl(isReplica);
    box.hidden = !isReplica;
  };
  app.onChange(redraw);
  redraw();
  let inFlight = false;
  const tick = (): void => {
    const b = app.backend;
    if (!(b instanceof ReplicaBackend) || inFlight) return;
    inFlight = true;
    // a backend closed by a switch answers no more: the next tick draws the new one
    void render(b).catch(() => undefined).finally(() => (inFlight = false));
  };
  app.onChange(tick);
  setInterval(tick, TICK_MS);
  const sync = $<HTMLButtonElement>('replica-sync');
  sync.addEventListener('click', () =>
    void busy(sync, async () => {
      const b = app.backend;
      if (!(b instanceof ReplicaBackend)) return;
      const t0 = performance.now();
      await b.sync();
      const took = performance.now() - t0;
      await app.written(); // the copy may have changed: counts, the rows table, the exact-search truth
      await render(b);
      status(`synced ${b.source.collection} with the edge in ${ms(took)}: ${int(app.collection?.rows ?? 0)} rows`);
    }),
  );
}
