/**
 * Public face of the vector index layer: the registry, exact search for unindexed data, the
 * concrete index classes and the serialized-format helpers.
 */
export * from './vector-index.ts';
export { getIndexFactory, openIndex, SUPPORTED_INDEX_TYPES, budgetedIndexFactory, defaultBlockCache, DEFAULT_MEMORY_BUDGET } from './index-registry.ts';
export { exactSearch } from './exact-search.ts';
export { FlatIndex, flatFactory } from './flat-index.ts';
export { HnswIndex, hnswFactory, HNSW_DEFAULTS, type HnswParams } from './hnsw-index.ts';
export { HnswSqIndex, hnswSqFactory, type HnswSqParams } from './hnsw-sq-index.ts';
export { IvfIndex, ivfFlatFactory, ivfSq8Factory, IVF_DEFAULTS } from './ivf-index.ts';
export { BinFlatIndex, binFlatFactory } from './bin-flat-index.ts';
export { BinIvfIndex, binIvfFlatFactory } from './bin-ivf-index.ts';
export { IvfPqIndex, ivfPqFactory, openIvfPq, IVF_PQ_DEFAULTS } from './ivf-pq-index.ts';
export { chooseAutoIndex, AUTO_FLAT_MAX_ROWS } from './auto-index.ts';
export { EXACT_FILTER_RATIO } from './index-base.ts';
export { INDEX_FORMAT_VERSION, peekIndexType } from './index-format.ts';
