/**
 * What a ShardLeader feeds its QueryNodes (Milvus's QueryCoord telling a QueryNode which
 * segments to hold): each node's share of the shard's sealed segments — the database, the
 * collection's schema, the manifest records and pending deletes — under a version. The leader
 * sends the share itself only when that node may not hold it: the first call after the
 * leader opens, after the share changed (a seal, a flush, a compaction, new delete logs or
 * index files, DDL that changes the schema), or when the node answers that it holds another
 * version (it was reset, evicted or released). Every other call carries the version alone,
 * beside the plan.
 *
 * Invariant: a node answers from exactly the share the request names. A node that does not
 * hold the named version answers `staleFeed` (SERVICE_NOT_READY with details.stale_feed) and
 * changes nothing; the leader then sends the share whole. Versions are unique per leader
 * instance (a random epoch), so a node never takes an old leader's version for a new one's.
 */
import { VesperError, type CollectionSchema } from '@vesper/core';
import type { ReplicaAssignment } from '@vesper/core/distributed';

/** One node's share of its shard, whole. */
export interface NodeShare {
  readonly db: string;
  readonly schema: CollectionSchema;
  readonly assignment: ReplicaAssignment;
}

/** What a leader sends a query node with each request. */
export interface NodeFeed {
  /** Names one content of the share; a new content gets a new version. */
  readonly version: string;
  /** The share itself; absent when the leader last sent this node this version. */
  readonly share?: NodeShare;
}

/** A node's answer to a feed naming a version it does not hold. */
export function staleFeed(version: string, held: string | undefined): VesperError {
  return new VesperError('SERVICE_NOT_READY', `this query node holds ${held === undefined ? 'no share' : `share version ${held}`}, not ${version}: the leader resends the share`, { stale_feed: version });
}

/** Whether e is a node's staleFeed answer. */
export function isStaleFeed(e: unknown): boolean {
  return VesperError.is(e, 'SERVICE_NOT_READY') && e.details?.['stale_feed'] !== undefined;
}

/** What the feeds of a leader cost, counted since it opened (ShardStats.nodeFeeds). */
export interface NodeFeedStats {
  /** Calls to query nodes. */
  readonly calls: number;
  /** Calls that carried the share whole. */
  readonly fullFeeds: number;
  /** JSON bytes of the shares sent whole, summed. */
  readonly sharedBytes: number;
  /** JSON bytes the shares would have cost had every call carried its share whole. */
  readonly wouldBeBytes: number;
}

function shareText(share: NodeShare): string {
  return JSON.stringify(share, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** The leader's side: per node, the version and content it last sent. */
export class NodeFeeds {
  private readonly epoch = crypto.getRandomValues(new Uint32Array(2)).join('.');
  private next = 0;
  private readonly sent = new Map<number, { readonly text: string; readonly version: string }>();
  private counts = { calls: 0, fullFeeds: 0, sharedBytes: 0, wouldBeBytes: 0 };

  /**
   * Runs `call` on node k with its feed for `share`: the version alone when k was last sent
   * this content, else the share whole; once more with the share whole when the node answers
   * that it holds another version.
   */
  async run<T>(k: number, share: NodeShare, call: (feed: NodeFeed) => Promise<T>): Promise<T> {
    const text = shareText(share);
    const last = this.sent.get(k);
    this.counts.calls++;
    this.counts.wouldBeBytes += text.length;
    if (last !== undefined && last.text === text) {
      try {
        return await call({ version: last.version });
      } catch (e) {
        if (!isStaleFeed(e)) throw e;
        this.counts.calls++;
        this.counts.wouldBeBytes += text.length;
      }
    }
    const version = `${this.epoch}.${++this.next}`;
    this.counts.fullFeeds++;
    this.counts.sharedBytes += text.length;
    // remembered before the answer: a failed call leaves the node holding this version or none (then it answers stale)
    this.sent.set(k, { text, version });
    return call({ version, share });
  }

  /** Forgets what node k holds (it was released). */
  forget(k: number): void {
    this.sent.delete(k);
  }

  stats(): NodeFeedStats {
    return { ...this.counts };
  }
}
