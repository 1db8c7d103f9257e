/**
 * The registry of vector index types by Milvus name (knowhere's IndexFactory): FLAT, HNSW,
 * HNSW_SQ, IVF_FLAT, IVF_SQ8, IVF_PQ (disk-resident), BIN_FLAT, BIN_IVF_FLAT, AUTOINDEX; `openIndex` opens any serialized index by the type
 * recorded in its header.
 */
import { VesperError } from '../errors/index.ts';
import type { VectorIndex, VectorIndexFactory } from './vector-index.ts';
import { flatFactory } from './flat-index.ts';
import { hnswFactory } from './hnsw-index.ts';
import { hnswSqFactory } from './hnsw-sq-index.ts';
import { ivfFlatFactory, ivfSq8Factory } from './ivf-index.ts';
import { binFlatFactory } from './bin-flat-index.ts';
import { binIvfFlatFactory } from './bin-ivf-index.ts';
import { ivfPqFactory } from './ivf-pq-index.ts';
import { makeAutoIndexFactory } from './auto-index.ts';
import { peekIndexType } from './index-format.ts';
import { BlockCache } from '../util/block-cache.ts';
import type { RangeSource } from '../util/block-file.ts';

const factories = new Map<string, VectorIndexFactory>();
for (const f of [flatFactory, hnswFactory, hnswSqFactory, ivfFlatFactory, ivfSq8Factory, ivfPqFactory(), binFlatFactory, binIvfFlatFactory]) factories.set(f.indexType, f);
factories.set('AUTOINDEX', makeAutoIndexFactory(openIndex));

/**
 * Block cache of the disk-resident indexes opened through `getIndexFactory` (a database opened
 * without a `memoryBudget`): one per process, DEFAULT_MEMORY_BUDGET bytes.
 */
export const DEFAULT_MEMORY_BUDGET = 256 * 2 ** 20;
let defaultCache: BlockCache | undefined;
export function defaultBlockCache(): BlockCache {
  defaultCache ??= new BlockCache(DEFAULT_MEMORY_BUDGET);
  return defaultCache;
}
factories.set('IVF_PQ', { ...ivfPqFactory(), openRange: (source: RangeSource) => ivfPqFactory(defaultBlockCache()).openRange(source) });

/**
 * The registry for a database with its own block cache (`memoryBudget`): disk-resident
 * indexes (IVF_PQ) read their blocks through `cache`; every other type is `getIndexFactory`'s.
 */
export function budgetedIndexFactory(cache: BlockCache): (indexType: string) => VectorIndexFactory {
  const pq = ivfPqFactory(cache);
  return (indexType: string) => {
    const f = getIndexFactory(indexType);
    return f.indexType === 'IVF_PQ' ? pq : f;
  };
}

/** Index types this build supports, in Milvus spelling. */
export const SUPPORTED_INDEX_TYPES: readonly string[] = [...factories.keys()];

/**
 * The factory for a Milvus index type name (case-insensitive).
 * @throws INDEX_NOT_SUPPORTED for unknown or unsupported types.
 */
export function getIndexFactory(indexType: string): VectorIndexFactory {
  const f = typeof indexType === 'string' ? factories.get(indexType.toUpperCase()) : undefined;
  if (f === undefined) {
    throw new VesperError(
      'INDEX_NOT_SUPPORTED',
      `invalid index type: ${String(indexType)}, supported: [${SUPPORTED_INDEX_TYPES.join(' ')}]`,
      { indexType },
    );
  }
  return f;
}

/**
 * The bytes a reader keeps of an index that opens by range (IVF_PQ: its hot parts; the factory's
 * `residentBytes`), or undefined for a type that is held whole or is unknown.
 */
export function rangeIndexResidentBytes(indexType: string, count: number, dim: number, params: Readonly<Record<string, unknown>>): number | undefined {
  const f = typeof indexType === 'string' ? factories.get(indexType.toUpperCase()) : undefined;
  return f?.openRange !== undefined ? f.residentBytes?.(count, dim, params) : undefined;
}

/**
 * Opens a serialized index of any supported type (no rebuild).
 * @throws FORMAT_CORRUPT / FORMAT_UNSUPPORTED for files this build cannot read.
 */
export function openIndex(bytes: Uint8Array): VectorIndex | Promise<VectorIndex> {
  const type = peekIndexType(bytes);
  const f = factories.get(type);
  if (f === undefined || type === 'AUTOINDEX') throw new VesperError('FORMAT_UNSUPPORTED', `vector index file of unknown type ${type}`);
  return f.open(bytes);
}
