/**
 * ReplicaReads: the Transport a VesperClient uses over local replicas — Milvus's request
 * shapes answered from the replicas' state through the read pipeline (query/read-executor.ts):
 * search, hybridSearch, query, get and count —
 * the tails' growing segments are read here, the sealed replica answers as the level's remote
 * reader, exactly as the writer and its query workers do elsewhere.
 *
 * Writes: `insert`, `upsert` and `delete` go to the server through the WriteOutbox (durably
 * queued, in order, exactly once per request id; write-outbox.ts); the replica shows them once
 * a sync brings them back from the server, never before.
 *
 * Refused, by name (nothing is silently ignored):
 * - DDL, flush, compaction and the other server operations: UNIMPLEMENTED (10) "replica-write" —
 *   send them to the server;
 * - `snapshot_ts` and `guarantee_timestamp`: UNIMPLEMENTED (10) — a replica reads at its synced
 *   timestamp (`replicaStatus().ts`).
 *
 * Consistency levels, Milvus's meaning over a copy that lags (a sync brings the copy to a fresh
 * server timestamp, so a read after it sees every write the server acknowledged before it):
 * - Eventually (the default): the local state as it is;
 * - Bounded: the local state when the last sync is within `boundedStalenessMs`, else a sync first;
 * - Session: the local state once it has reached the timestamp of the session's last write
 *   through this replica (or the `session_ts` given), else a sync first;
 * - Strong: a sync first.
 * A sync that cannot reach the server fails the read with SERVICE_UNAVAILABLE (2) saying how far
 * behind the copy is: local reads that need the server never answer stale.
 */
import { VesperError } from '../errors/index.ts';
import type { Transport } from '../client/transport.ts';
import { SUCCESS } from '../proxy/task.ts';
import { prepareHybrid, prepareQuery, prepareSearch, resolvedSub } from '../proxy/prepared.ts';
import { hybridRows } from '../proxy/tasks/hybrid-search-task.ts';
import { renderRow } from '../proxy/render.ts';
import { searchResults, searchRows } from '../proxy/tasks/search-task.ts';
import { describeCollection } from '../proxy/tasks/describe-collection-task.ts';
import { isTextSearch, probeRequest, resolvedRequest, statsShare, textSearch } from '../proxy/text-search.ts';
import { countShare, queryShare, searchShare } from '../proxy/local-reader-pool.ts';
import { executeCount, executeHybrid, executeQuery, executeSearch, type ReadHost } from '../query/read-executor.ts';
import { partitionSet } from '../query/read-plan.ts';
import { parseConsistency } from '../proxy/request-utils.ts';
import type { CollectionReplica, ReplicaView } from './collection-replica.ts';
import { showValue } from '../util/show-value.ts';
import type { ForwardedMethod, WriteOutbox } from './write-outbox.ts';

type Req = Record<string, unknown>;

const READS = new Set(['search', 'query', 'get', 'hybridSearch']);
const FORWARDED = new Set(['insert', 'upsert', 'delete']);
const INFO = new Set(['describeCollection', 'hasCollection', 'listCollections', 'showCollections', 'getLoadState']);

export class ReplicaReads implements Transport {
  /** Per collection, the timestamp of this session's last write the server acknowledged. */
  private readonly sessionWrites = new Map<string, bigint>();

  constructor(
    private readonly replicas: ReadonlyMap<string, CollectionReplica>,
    private readonly endpoint: string,
    /** Bounded consistency's staleness window (ms). */
    private readonly boundedStalenessMs = DEFAULT_BOUNDED_STALENESS_MS,
    private readonly outbox?: WriteOutbox,
  ) {}

  async call(method: string, request: unknown): Promise<unknown> {
    const req = (request ?? {}) as Req;
    if (READS.has(method)) {
      const replica = this.replicaOf(req);
      await this.catchUp(replica, checkReadOptions(req, replica.name, this.sessionWrites.get(replica.name)));
      return replica.read((view) => (method === 'search' ? search(view, req) : method === 'hybridSearch' ? hybrid(view, req) : query(view, req)));
    }
    if (INFO.has(method)) return this.info(method, req);
    if (this.outbox && FORWARDED.has(method)) return this.forward(method as ForwardedMethod, req);
    throw new VesperError(
      'UNIMPLEMENTED',
      `replica-write: ${method} is not available on a local replica (it reads, and forwards insert, upsert and delete); send it to the server ${this.endpoint}`,
    );
  }

  /** A write, forwarded through the outbox; a Session read after it waits for its timestamp. */
  private async forward(method: ForwardedMethod, req: Req): Promise<unknown> {
    const replica = this.replicaOf(req);
    const { collection_name: _c, db_name: _d, ...rest } = req;
    const answer = await this.outbox!.submit(replica.db, replica.name, method, rest);
    const ts = (answer as { timestamp?: unknown }).timestamp;
    if ((typeof ts === 'string' && /^[0-9]+$/.test(ts)) || typeof ts === 'bigint') {
      const at = BigInt(ts);
      if (at > (this.sessionWrites.get(replica.name) ?? 0n)) this.sessionWrites.set(replica.name, at);
    }
    return answer;
  }

  /** Brings the replica up to the server first when the read's consistency needs it. */
  private async catchUp(replica: CollectionReplica, need: ReadNeed): Promise<void> {
    const stale =
      need.level === 'Strong' ||
      (need.level === 'Bounded' && replica.status().lagMs > this.boundedStalenessMs) ||
      (need.sessionTs !== undefined && replica.ts < need.sessionTs);
    if (!stale) return;
    const status = replica.status();
    try {
      await replica.sync();
    } catch (e) {
      const err = VesperError.wrap(e);
      const behind = Number.isFinite(status.lagMs) ? `${Math.round(status.lagMs)} ms behind the server` : 'not synced yet';
      throw new VesperError('SERVICE_UNAVAILABLE', `a ${need.level} read of the local replica of ${replica.name} needs the server, which could not be reached: the replica is ${behind} (read with consistency_level Eventually to answer from it); ${err.message}`);
    }
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
      const names = [...this.replicas.values()].filter((r) => r.held).map((r) => r.name);
      return { status: SUCCESS, data: names.map((name) => ({ name })), collection_names: names };
    }
    if (method === 'hasCollection') {
      const name = req['collection_name'];
      return { status: SUCCESS, value: typeof name === 'string' && this.replicas.get(name)?.held === true };
    }
    const r = this.replicaOf(req);
    if (method === 'getLoadState') return { status: SUCCESS, state: 'LoadStateLoaded' };
    return describeCollection(r.info, r.db, []);
  }
}

/** Milvus's default staleness window for Bounded reads (`common.gracefulTime`, 5 s). */
export const DEFAULT_BOUNDED_STALENESS_MS = 5_000;

interface ReadNeed {
  readonly level: 'Strong' | 'Bounded' | 'Session' | 'Eventually';
  /** A write's timestamp the read must see (Session). */
  readonly sessionTs?: bigint;
}

/**
 * The read options a replica answers or refuses by name, and what the read needs.
 * @throws UNIMPLEMENTED (10) for snapshot_ts or guarantee_timestamp; PARAMETER_INVALID for a bad level or session_ts
 */
function checkReadOptions(req: Req, name: string, lastWrite: bigint | undefined): ReadNeed {
  if (req['snapshot_ts'] !== undefined) throw new VesperError('UNIMPLEMENTED', `snapshot_ts on a local replica of ${name}: reads run at the replica's synced timestamp`);
  const guarantee = req['guarantee_timestamp'];
  if (guarantee !== undefined && guarantee !== null && guarantee !== 0 && guarantee !== '0' && guarantee !== '') {
    throw new VesperError('UNIMPLEMENTED', `guarantee_timestamp on a local replica of ${name}: use consistency_level (Strong, Bounded, Session, Eventually)`);
  }
  const raw = req['consistency_level'];
  const given = raw !== undefined && raw !== null && raw !== '' ? parseConsistency(raw, 'Eventually') : 'Eventually';
  if (given === 'Customized') throw new VesperError('UNIMPLEMENTED', `consistency_level Customized on a local replica of ${name}: use Strong, Bounded, Session or Eventually`);
  const level = given as ReadNeed['level'];
  const session = req['session_ts'];
  if (session === undefined || session === null || session === '' || session === '0' || session === 0) {
    return level === 'Session' && lastWrite !== undefined ? { level, sessionTs: lastWrite } : { level };
  }
  if (!(typeof session === 'string' && /^[0-9]{1,20}$/.test(session)) && typeof session !== 'bigint') {
    throw new VesperError('PARAMETER_INVALID', `session_ts must be the decimal timestamp a write answered, got ${showValue(String(session)).slice(0, 40)}`);
  }
  // as in Milvus, the session's timestamp binds Session reads only (the client sends it with every read)
  return level === 'Session' ? { level, sessionTs: BigInt(session) } : { level };
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
  return { status: SUCCESS, ...searchResults(searchRows(info, hits), plan.single), recalls: [], session_ts: ts.toString(), collection_name: info.name };
}

/** Several searches fused by a reranker, all at the replica's timestamp (HybridSearchTask's shape). */
async function hybrid(view: ReplicaView, req: Req): Promise<unknown> {
  const { info, ts } = view;
  const plan = await prepareHybrid(info, { ...req, consistency_level: undefined, session_ts: undefined } as Parameters<typeof prepareHybrid>[1]);
  const h = host(view, plan.subs[0]!.partitionIds);
  const all = [...view.growing(undefined), ...view.sealed.segments()];
  const stats = async (r: Parameters<typeof statsShare>[2]) => statsShare(all, ts, r);
  const rows = hybridRows(info, await executeHybrid(plan, async (_sub, i) => executeSearch(await resolvedSub(info, plan, i, stats), ts, h, true)));
  return { status: SUCCESS, ...searchResults(rows, rows.rows.length === 1), recalls: [], session_ts: ts.toString(), collection_name: info.name };
}

async function query(view: ReplicaView, req: Req): Promise<unknown> {
  const { info, ts } = view;
  const plan = prepareQuery(info, { ...req, consistency_level: undefined, session_ts: undefined } as Parameters<typeof prepareQuery>[1]);
  const h = host(view, plan.partitionIds);
  if (plan.kind === 'count') return { status: SUCCESS, data: [{ 'count(*)': await executeCount(plan, ts, h) }], session_ts: ts.toString() };
  const rows = await executeQuery(plan, ts, h, true);
  return { status: SUCCESS, data: rows.map((r) => renderRow(r.row)), session_ts: ts.toString() };
}
