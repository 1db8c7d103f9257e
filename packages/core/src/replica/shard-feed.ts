/**
 * The writer's side of a replica feed: one shard's state as the writer holds it, for a local
 * replica to copy (replica-wire.ts). The caller holds the shard's write lock (`shard:<n>` in
 * SegmentManager.locks), so no write is half-applied and no flush half-committed: the sealed
 * records, their pending deletes, the manifest checkpoint and the WAL after it describe one
 * state. The timestamp is taken inside the lock, so every write to the shard at or below it
 * is in that state and every later one gets a larger timestamp.
 */
import { VesperError } from '../errors/index.ts';
import type { SegmentManager } from '../segments/segment-manager.ts';
import { writerAssignment } from '../segments/sealed-replica.ts';
import type { ShardFeed, ShardPosition, TailEntry } from './replica-wire.ts';

const PAGE = 256;

export async function shardFeed(m: SegmentManager, shard: number, from: ShardPosition | undefined, withTail: boolean): Promise<ShardFeed> {
  const s = m.shards[shard];
  if (!s || !m.owned.has(shard)) throw new VesperError('PARAMETER_INVALID', `shard ${shard} is not a shard of ${m.info.name} held here`);
  const ts = await m.deps.tso.next();
  const a = writerAssignment(m, (rec) => rec.shard === shard);
  const checkpoint = m.manifest.checkpoints[shard] ?? 0;
  const lastLsn = s.lastLsn;
  // the replica's tail continues only while its checkpoint is still the manifest's
  const continues = from !== undefined && from.checkpoint === checkpoint && from.afterLsn >= checkpoint && from.afterLsn <= lastLsn;
  let after = continues ? from.afterLsn : checkpoint;
  const tail: TailEntry[] = [];
  if (withTail) {
    for (;;) {
      const entries = await m.deps.storage.wal.read(s.channel, after, PAGE);
      for (const e of entries) if (e.lsn <= lastLsn) tail.push({ lsn: e.lsn, payload: e.payload });
      if (entries.length < PAGE || entries[entries.length - 1]!.lsn >= lastLsn) break;
      after = entries[entries.length - 1]!.lsn;
    }
  }
  return {
    shard,
    ts,
    manifestVersion: m.manifest.version,
    readerFlags: m.manifest.readerFlags ?? 0,
    checkpoint,
    lastLsn,
    reset: !continues,
    records: a.records,
    pending: a.pending,
    tail,
    files: [],
  };
}
