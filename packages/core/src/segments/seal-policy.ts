/**
 * When a shard's growing data is sealed and flushed (DataCoord's seal policies): by row
 * count, by bytes, by age of the oldest growing row, or manually with `flush`. Small
 * defaults suit browsers and Durable Objects (128 MB isolates); Node callers may raise them.
 */
export interface SealPolicy {
  readonly maxRows: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  /** Compaction merges sealed segments below this many rows. */
  readonly compactBelowRows: number;
  /** Compaction rewrites a segment whose deleted fraction exceeds this. */
  readonly compactDeletedRatio: number;
}

export const DEFAULT_SEAL_POLICY: SealPolicy = {
  maxRows: 100_000,
  maxBytes: 64 * 1024 * 1024,
  maxAgeMs: 10 * 60 * 1000,
  compactBelowRows: 50_000,
  compactDeletedRatio: 0.2,
};

export function shouldSeal(policy: SealPolicy, rows: number, bytes: number, oldestMs: number | undefined, now: number): boolean {
  if (rows === 0) return false;
  return rows >= policy.maxRows || bytes >= policy.maxBytes || (oldestMs !== undefined && now - oldestMs >= policy.maxAgeMs);
}
