/**
 * ReplicaReads: the Transport a VesperClient uses over local replicas — Milvus's request
 * shapes answered from the replicas' state through the read pipeline (query/read-executor.ts):
 * the tails' growing segments are read here, the sealed replica answers as the level's remote
 * reader, exactly as the writer and its query workers do elsewhere.
 *
 * Refused, by name (nothing is silently ignored):
 * - writes (`insert`, `upsert`, `delete`, DDL, flush, ...): UNIMPLEMENTED (10) "replica-write" —
 *   write to the server; forwarding and the offline queue are a later slice;
 * - consistency levels other than Eventually, a session timestamp from a write, `snapshot_ts`:
 *   UNIMPLEMENTED (10) — a replica reads at its synced timestamp (`replicaStatus().ts`).
 */
import { VesperError } from '../errors/index.ts';
import type { Transport } from '../client/transport.ts';
import { SUCCESS } from '../proxy/task.ts';
import { prepareQuery, prepareSearch } from '../proxy/prepared.ts';
import { renderRow } from '../proxy/render.ts';
import { searchRow } from '../proxy/tasks/search-task.ts';
import { describeCollection } from '../proxy/tasks/describe-collection-task.ts';
import { isTextSearch, probeRequest, resolvedRequest, statsShare, textSearch } from '../proxy/text-search.ts';
import { countShare, queryShare, searchShare } from '../proxy/local-reader-pool.ts';
import { executeCount, executeQuery, executeSearch, type ReadHost } from '../query/read-executor.ts';
import { partitionSet } from '../query/read-plan.ts';
import { parseConsistency } from '../proxy/request-utils.ts';
import type { CollectionReplica, ReplicaView } from './collection-replica.ts';

type Req = Record<string, unknown>;

const READS = new Set(['search', 'query', 'get']);
const INFO = new Set(['describeCollection', 'hasCollection', 'listCollections', 'showCollections', 'getLoadState']);

export class ReplicaReads implements Transport {
  constructor(
    private readonly replicas: ReadonlyMap<string, CollectionReplica>,
    private readonly endpoint: string,
  ) {}

  async call(method: string, request: unknown): Promise<unknown> {
    const req = (request ?? {}) as Req;
    if (READS.has(method)) {
      const replica = this.replicaOf(req);
      checkReadOptions(req, replica.name);
      return replica.read((view) => (method === 'search' ? search(view, req) : query(view, req)));
    }
    if (INFO.has(method)) return this.info(method, req);
    throw new VesperError(
      'UNIMPLEMENTED',
      `replica-write: ${method} is not available on a local replica (reads only: search, query, get, count, describeCollection); send it to the server ${this.endpoint} — forwarding writes from a replica is not implemented yet`,
    );
  }

  private replicaOf(req: Req): CollectionReplica {
    const name = req['collection_name'];
    const db = req['db_name'];
    const r = typeof name === 'string' ? this.replicas.get(name) : undefined;
    if (!r || (db !== undefined && db !== '' && db !== r.db)) {
      throw new VesperError('COLLECTION_NOT_FOUND', `can't find collection[database=${String(db ?? 'default')}][collection=${String(name)}] among this replica's collections (${[...this.replicas.keys()].join(', ')})`);
    }
    return r;
  }

  private info(method: string, req: Req): unknown {
    if (method === 'listCollections' || method === 'showCollections') {
      const names = [...this.replicas.keys()];
      return { status: SUCCESS, data: names.map((name) => ({ name })), collection_names: names };
    }
    if (method === 'hasCollection') {
      const name = req['collection_name'];
      return { status: SUCCESS, value: typeof name === 'string' && this.replicas.has(name) };
    }
    const r = this.replicaOf(req);
    if (method === 'getLoadState') return { status: SUCCESS, state: 'LoadStateLoaded' };
    return describeCollection(r.info, r.db, []);
  }
}

/**
 * The read options a replica answers or refuses by name.
 * @throws UNIMPLEMENTED (10) for a consistency level other than Eventually, a session timestamp, snapshot_ts
 */
function checkReadOptions(req: Req, name: string): void {
  const raw = req['consistency_level'];
  if (raw !== undefined && raw !== null && raw !== '') {
    const level = parseConsistency(raw, 'Eventually');
    if (level !== 'Eventually') {
      throw new VesperError('UNIMPLEMENTED', `consistency_level ${level} is not implemented on a local replica of ${name}: it reads at its synced timestamp (Eventually); call sync() first, or ask the server`);
    }
  }
  const session = req['session_ts'];
  if (session !== undefined && session !== '0' && session !== '') {
    throw new VesperError('UNIMPLEMENTED', `session_ts on a local replica of ${name}: Session consistency is not implemented on replicas yet`);
  }
  if (req['snapshot_ts'] !== undefined) throw new VesperError('UNIMPLEMENTED', `snapshot_ts on a local replica of ${name}: reads run at the replica's synced timestamp`);
}

function host(view: ReplicaView, partitionIds: readonly number[] | undefined): ReadHost {
  const ts = view.ts;
  return {
    segments: view.growing(partitionSet(partitionIds)),
    remote: {
      search: async (plan) => [await searchShare(view.sealed, plan, ts)],
      query: async (plan) => [await queryShare(view.sealed, plan, ts)],
      count: async (plan) => [countShare(view.sealed, plan, ts)],
    },
  };
}

async function search(view: ReplicaView, req: Req): Promise<unknown> {
  const { info, ts } = view;
  const body = { ...req, consistency_level: undefined, session_ts: undefined } as Parameters<typeof prepareSearch>[1];
  let plan = prepareSearch(info, body);
  if (isTextSearch(info, body)) {
    const text = await textSearch(info, body);
    if (text) {
      prepareSearch(info, probeRequest(body, text));
      const all = [...view.growing(undefined), ...view.sealed.segments()];
      plan = prepareSearch(info, resolvedRequest(body, text, statsShare(all, ts, text.stats)));
    }
  }
  const hits = await executeSearch(plan, ts, host(view, plan.partitionIds), true);
  const rows = hits.map((list) => list.map((h) => searchRow(info, h, h.distance)));
  return { status: SUCCESS, results: plan.single ? rows[0]! : rows, topks: rows.map((r) => r.length), recalls: [], session_ts: ts.toString(), collection_name: info.name };
}

async function query(view: ReplicaView, req: Req): Promise<unknown> {
  const { info, ts } = view;
  const plan = prepareQuery(info, { ...req, consistency_level: undefined, session_ts: undefined } as Parameters<typeof prepareQuery>[1]);
  const h = host(view, plan.partitionIds);
  if (plan.kind === 'count') return { status: SUCCESS, data: [{ 'count(*)': await executeCount(plan, ts, h) }], session_ts: ts.toString() };
  const rows = await executeQuery(plan, ts, h, true);
  return { status: SUCCESS, data: rows.map((r) => renderRow(r.row)), session_ts: ts.toString() };
}
