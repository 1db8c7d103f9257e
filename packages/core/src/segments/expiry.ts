/**
 * Collection TTL (`collection.ttl.seconds`, Milvus's semantics): a row written at timestamp w
 * has expired for a read at timestamp T once w < T − ttl (T's physical part moved back by the
 * TTL, as Milvus's proxy computes its expiry timestamp). Reads hide expired rows
 * (query/ttl.ts, with the read's timestamp, so every host and layout agrees); compaction
 * removes them for good, at the writer's clock (segment-maintenance.ts).
 */
import { LOGICAL_BITS, composeTs, physicalMs } from '../catalog/tso.ts';
import type { Segment } from './segment.ts';

export const TTL_KEY = 'collection.ttl.seconds';

const LOGICAL_MASK = (1n << LOGICAL_BITS) - 1n;

/** The oldest write timestamp still alive at `ts` under a TTL of `ttlMs` (0n: nothing has expired). */
export function expiryFloor(ts: bigint, ttlMs: number): bigint {
  const ms = physicalMs(ts) - ttlMs;
  return ms <= 0 ? 0n : composeTs(ms, Number(ts & LOGICAL_MASK));
}

/** The TTL in ms of a collection's properties (undefined when unset or 0, Milvus's "no TTL"). */
export function ttlMsOf(properties: Readonly<Record<string, string>>): number | undefined {
  const v = properties[TTL_KEY];
  if (v === undefined) return undefined;
  const s = Number(v);
  return Number.isSafeInteger(s) && s > 0 ? s * 1000 : undefined;
}

/** How many rows of a segment were written before `floor` (expired; deleted ones included). */
export function expiredRows(seg: Segment, floor: bigint): number {
  if (floor === 0n || seg.minRowTs >= floor) return 0;
  let n = 0;
  for (const t of seg.timestamps()) if (t < floor) n++;
  return n;
}
