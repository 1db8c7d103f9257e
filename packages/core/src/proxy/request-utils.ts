/**
 * Parsing of request fields shared by tasks: integers, limits, partition names,
 * consistency levels and the read timestamp they imply.
 */
import { VesperError } from '../errors/index.ts';
import { CONSISTENCY_LEVELS, type ConsistencyLevel } from '../schema/types.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import { composeTs, physicalMs } from '../catalog/tso.ts';
import type { SegmentManager } from '../segments/segment-manager.ts';
import type { ProxyContext } from './proxy-context.ts';
import { REQUEST_LIMITS } from './request-limits.ts';
import { showValue } from '../util/show-value.ts';

export const MAX_TOPK = REQUEST_LIMITS.maxTopK;

export function optInt(value: unknown, what: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new VesperError('PARAMETER_INVALID', `${what} should be an integer in range [${min}, ${max}], got ${showValue(value)}`);
  }
  return n;
}

export function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new VesperError('PARAMETER_MISSING', `${what} is required`);
  return value;
}

/** Partition ids for `partition_names` (all partitions when absent or empty). */
export function partitionIds(info: CollectionInfo, names: unknown): Set<number> | undefined {
  if (names === undefined || names === null) return undefined;
  if (!Array.isArray(names)) throw new VesperError('PARAMETER_INVALID', 'partition_names must be an array of names');
  if (names.length === 0) return undefined;
  const ids = new Set<number>();
  for (const n of names) {
    const p = info.partitions.find((x) => x.name === n);
    if (!p) throw new VesperError('PARTITION_NOT_FOUND', `partition not found[partition=${String(n)}]`);
    ids.add(p.id);
  }
  return ids;
}

export function parseConsistency(value: unknown, fallback: ConsistencyLevel): ConsistencyLevel {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'number') {
    const byNumber: ConsistencyLevel[] = ['Strong', 'Session', 'Bounded', 'Eventually', 'Customized'];
    const level = byNumber[value];
    if (level) return level;
  }
  if (typeof value === 'string' && (CONSISTENCY_LEVELS as readonly string[]).includes(value)) return value as ConsistencyLevel;
  throw new VesperError('PARAMETER_INVALID', `invalid consistency level ${showValue(value)}: use Strong, Session, Bounded or Eventually`);
}

/**
 * The MVCC timestamp a read runs at, after waiting as its consistency level requires
 * (Milvus's guarantee timestamp):
 * - Strong: wait until every write issued before the read is applied; read at now.
 * - Session: wait for the caller's own last write (`session_ts`); read what is applied.
 * - Bounded: wait for writes older than the staleness window; read what is applied.
 * - Eventually: no wait; read what is applied.
 */
export async function readTimestamp(
  ctx: ProxyContext,
  mgr: SegmentManager,
  level: ConsistencyLevel,
  sessionTs: unknown,
): Promise<bigint> {
  return snapshotTs(mgr, level, await guaranteeTs(ctx.tso, level, sessionTs, ctx.options.boundedStalenessMs));
}

/**
 * readTimestamp when it needs no wait: the same timestamp, computed synchronously, or undefined
 * when the level allocates one (Strong), a session timestamp is ahead of the oracle, or a write
 * the guarantee covers is still being applied — then the caller awaits readTimestamp.
 */
export function readTimestampNow(ctx: ProxyContext, mgr: SegmentManager, level: ConsistencyLevel, sessionTs: unknown): bigint | undefined {
  let guarantee: bigint;
  if (level === 'Strong') return undefined;
  if (level === 'Session') {
    if (sessionTs === undefined || sessionTs === null || sessionTs === '') guarantee = 0n;
    else {
      // only a well-formed timestamp the oracle already passed; anything else takes guaranteeTs's checks
      if (typeof sessionTs !== 'string' || !/^\d{1,20}$/.test(sessionTs)) return undefined;
      guarantee = BigInt(sessionTs);
      if (guarantee > ctx.tso.current()) return undefined;
    }
  } else if (level === 'Bounded') guarantee = composeTs(Math.max(0, physicalMs(ctx.tso.current()) - (ctx.options.boundedStalenessMs ?? 5000)));
  else guarantee = 0n;
  if (guarantee > 0n && mgr.applying(guarantee)) return undefined;
  const safe = mgr.safeTs();
  return safe > guarantee ? safe : guarantee;
}

/**
 * A read pinned at an earlier timestamp this database issued (`snapshot_ts`): waits until it
 * is applied and reads exactly there. @throws PARAMETER_INVALID for a malformed or future one, or one older than the collection's snapshot floor
 */
export async function pinnedTimestamp(ctx: ProxyContext, mgr: SegmentManager, value: unknown): Promise<bigint> {
  let ts: bigint;
  try {
    ts = BigInt(value as string);
  } catch {
    ts = -1n;
  }
  if (typeof value !== 'string' || ts <= 0n || ts > ctx.tso.current()) {
    throw new VesperError('PARAMETER_INVALID', `snapshot_ts must be a timestamp this database answered (session_ts of an earlier read), got ${showValue(String(value).slice(0, 40))}`);
  }
  mgr.snapshotFloor.check(ts);
  await mgr.waitApplied(ts);
  return ts;
}

/** The guarantee timestamp of a read (0 = none): where the oracle lives, the proxy computes it. */
export async function guaranteeTs(
  tso: { next(): Promise<bigint>; current(): bigint },
  level: ConsistencyLevel,
  sessionTs: unknown,
  boundedStalenessMs = 5000,
): Promise<bigint> {
  if (level === 'Strong') return tso.next();
  if (level === 'Session') {
    if (sessionTs !== undefined && sessionTs !== null && sessionTs !== '') {
      const invalid = (why: string): VesperError => new VesperError('PARAMETER_INVALID', `session_ts must be a timestamp a write of this database answered: ${showValue(String(sessionTs).slice(0, 40))} ${why}`);
      let ts: bigint;
      try {
        ts = BigInt(sessionTs as string);
      } catch {
        throw invalid('is not an integer');
      }
      if (ts < 0n) throw invalid('is negative');
      // A timestamp from the future would make the read wait for, or claim, writes that do not
      // exist yet. One issued by another database of the same clock passes once ours catches up.
      if (ts > tso.current() && ts > (await tso.next())) throw invalid('is ahead of every timestamp issued');
      return ts;
    }
    return 0n;
  }
  if (level === 'Bounded') return composeTs(Math.max(0, physicalMs(tso.current()) - boundedStalenessMs));
  return 0n;
}

/** Waits for the writes the guarantee covers, then picks the snapshot (where the data lives). */
export async function snapshotTs(mgr: SegmentManager, level: ConsistencyLevel, guarantee: bigint): Promise<bigint> {
  if (guarantee > 0n) await mgr.waitApplied(guarantee);
  const safe = mgr.safeTs();
  return level === 'Strong' && guarantee > safe ? guarantee : safe > guarantee ? safe : guarantee;
}

/** Property values as Milvus stores them: strings (non-strings as JSON text). */
export function stringProps(p: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p ?? {})) out[k] = typeof v === 'string' ? v : jsonText(v);
  return out;
}

/** JSON text of a value, a bigint anywhere written as its digits (a property `ttl.seconds: 2^63-1`). */
export function jsonText(v: unknown): string {
  return typeof v === 'bigint' ? v.toString() : (JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v));
}
