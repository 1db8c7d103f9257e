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
import { showValue } from '../util/show-value.ts';

export const MANIFEST_FORMAT = 1;
/**
 * Feature flags (Lance's manifest reader/writer flags). A reader that meets a `readerFlags` bit
 * it does not know refuses to open the collection; a writer that meets an unknown
 * `writerFlags` bit refuses to commit a successor (it could drop what that feature needs).
 * Manifests written before the flags existed have neither key (= 0).
 */
/** Reader flag: some segment record names a sparse index file (docs/format/sparse-index.md), which readers before it would fail to open. */
export const READER_SPARSE_INDEX_FILES = 1;
export const MANIFEST_READER_FLAGS = READER_SPARSE_INDEX_FILES;
export const MANIFEST_WRITER_FLAGS = 0;

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
  /** Bits a reader must understand to read the files this manifest names (absent in old manifests: 0). */
  readonly readerFlags?: number;
  /** Bits a writer must understand to commit the next version (absent in old manifests: 0). */
  readonly writerFlags?: number;
  readonly version: number;
  readonly collectionId: number;
  readonly segments: readonly SegmentRecord[];
  /** Per shard: every WAL entry with lsn <= checkpoint is reflected in the files above. */
  readonly checkpoints: Readonly<Record<string, number>>;
  /** Next sequence number for delete-log file names. */
  readonly nextSeq: number;
}

export function emptyManifest(collectionId: number): Manifest {
  return { format: MANIFEST_FORMAT, readerFlags: 0, writerFlags: 0, version: 0, collectionId, segments: [], checkpoints: {}, nextSeq: 1 };
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
   * @throws COMMIT_CONFLICT (2100) when another writer committed that version first;
   *   FORMAT_UNSUPPORTED when it carries a writer flag this build does not know.
   */
  async commit(next: Manifest): Promise<void> {
    checkWritable(next, keys.manifest(next.collectionId, next.version));
    await this.objects.put(keys.manifest(next.collectionId, next.version), enc.encode(JSON.stringify(next)), { ifAbsent: true });
  }

  /** Keys of every manifest version, newest first. */
  async versions(collectionId: number): Promise<string[]> {
    return (await this.objects.list(keys.manifestDir(collectionId))).map((o) => o.key);
  }
}

/**
 * Parses and checks one manifest file: the format check every reader of manifests goes through.
 * @throws FORMAT_CORRUPT (not JSON, missing fields), FORMAT_UNSUPPORTED (newer format, unknown reader flag).
 */
export function parseManifest(bytes: Uint8Array, where: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(dec.decode(bytes)) as Manifest;
  } catch {
    throw new VesperError('FORMAT_CORRUPT', `manifest ${where} is not valid JSON`);
  }
  if (m === null || typeof m !== 'object' || typeof m.format !== 'number' || !Array.isArray(m.segments) || !Number.isSafeInteger(m.version)) {
    throw new VesperError('FORMAT_CORRUPT', `manifest ${where} lacks format/version/segments`);
  }
  if (m.format > MANIFEST_FORMAT) {
    throw new VesperError('FORMAT_UNSUPPORTED', `manifest ${where} has format ${m.format}, newer than this reader (${MANIFEST_FORMAT})`);
  }
  const reader = flagsOf(m.readerFlags, 'readerFlags', where);
  flagsOf(m.writerFlags, 'writerFlags', where);
  const unknown = (reader & ~MANIFEST_READER_FLAGS) >>> 0;
  if (unknown !== 0) {
    throw new VesperError('FORMAT_UNSUPPORTED', `manifest ${where} needs reader features 0x${unknown.toString(16)} this build does not know; upgrade Vesper`);
  }
  return m;
}

/** @throws FORMAT_UNSUPPORTED when `m` carries a writer flag this build does not know. */
export function checkWritable(m: Manifest, where: string): void {
  const unknown = (flagsOf(m.writerFlags, 'writerFlags', where) & ~MANIFEST_WRITER_FLAGS) >>> 0;
  if (unknown !== 0) {
    throw new VesperError('FORMAT_UNSUPPORTED', `manifest ${where} needs writer features 0x${unknown.toString(16)} this build does not know; it may read but not change this collection`);
  }
}

function flagsOf(v: unknown, name: string, where: string): number {
  if (v === undefined) return 0;
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) {
    throw new VesperError('FORMAT_CORRUPT', `manifest ${where} has ${name} ${showValue(v)}, not a u32 bit set`);
  }
  return (v as number) >>> 0;
}
