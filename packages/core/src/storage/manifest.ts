/**
 * The manifest: the one record that says which files make up a collection's sealed data and
 * how far each shard's WAL is reflected in them (DataCoord's segment meta + channel
 * checkpoints in Milvus). Committing = writing the next version with a create-only put after
 * every file it names is durable, so a reader never sees a manifest pointing at a missing
 * file, and two writers racing for a version cannot both win. docs/format/manifest.md.
 */
import { VesperError } from '../errors/index.ts';
import type { ObjectStore } from '../adapters/object-store.ts';
import type { MetricType } from '../schema/types.ts';
import { keys } from './keys.ts';

export const MANIFEST_FORMAT = 1;

export interface IndexFileRecord {
  readonly field: string;
  readonly indexName: string;
  readonly indexId: number;
  readonly indexType: string;
  readonly metricType?: MetricType;
  readonly key: string;
  readonly bytes: number;
}

export interface SegmentRecord {
  readonly id: number;
  readonly partitionId: number;
  readonly shard: number;
  readonly rows: number;
  readonly insertLog: string;
  readonly deltaLogs: readonly string[];
  readonly indexes: readonly IndexFileRecord[];
  /** Decimal strings of the hybrid timestamps of the oldest/newest row. */
  readonly minTs: string;
  readonly maxTs: string;
  /** 0 = flushed from a growing segment, n = produced by n rounds of compaction. */
  readonly level: number;
}

export interface Manifest {
  readonly format: number;
  readonly version: number;
  readonly collectionId: number;
  readonly segments: readonly SegmentRecord[];
  /** Per shard: every WAL entry with lsn <= checkpoint is reflected in the files above. */
  readonly checkpoints: Readonly<Record<string, number>>;
  /** Next sequence number for delete-log file names. */
  readonly nextSeq: number;
}

export function emptyManifest(collectionId: number): Manifest {
  return { format: MANIFEST_FORMAT, version: 0, collectionId, segments: [], checkpoints: {}, nextSeq: 1 };
}

const dec = new TextDecoder();
const enc = new TextEncoder();

export class ManifestStore {
  constructor(private readonly objects: ObjectStore) {}

  /** The newest committed manifest, or an empty one (version 0). */
  async latest(collectionId: number): Promise<Manifest> {
    const listed = await this.objects.list(keys.manifestDir(collectionId));
    const newest = listed[0];
    if (!newest) return emptyManifest(collectionId);
    const bytes = await this.objects.get(newest.key);
    if (!bytes) throw new VesperError('IO_KEY_NOT_FOUND', `manifest ${newest.key} was listed but cannot be read`);
    return parseManifest(bytes, newest.key);
  }

  /**
   * Commits `next` (its version must be the previous + 1).
   * @throws COMMIT_CONFLICT (2100) when another writer committed that version first.
   */
  async commit(next: Manifest): Promise<void> {
    await this.objects.put(keys.manifest(next.collectionId, next.version), enc.encode(JSON.stringify(next)), { ifAbsent: true });
  }

  /** Keys of every manifest version, newest first. */
  async versions(collectionId: number): Promise<string[]> {
    return (await this.objects.list(keys.manifestDir(collectionId))).map((o) => o.key);
  }
}

export function parseManifest(bytes: Uint8Array, where: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(dec.decode(bytes)) as Manifest;
  } catch {
    throw new VesperError('FORMAT_CORRUPT', `manifest ${where} is not valid JSON`);
  }
  if (typeof m.format !== 'number' || !Array.isArray(m.segments)) {
    throw new VesperError('FORMAT_CORRUPT', `manifest ${where} lacks format/segments`);
  }
  if (m.format > MANIFEST_FORMAT) {
    throw new VesperError('FORMAT_UNSUPPORTED', `manifest ${where} has format ${m.format}, newer than this reader (${MANIFEST_FORMAT})`);
  }
  return m;
}
