/* eslint-disable */
// @ts-nocheck -- AssemblyScript source: compiled by asc (scripts/build-wasm.mjs), not by tsc.
/**
 * Entry point of kernels.wasm: re-exports every kernel. Memory is managed by the JS side
 * (../wasm-arena.ts) from `heapBase()` upwards; this module never allocates.
 */
export { l2sq, dot, cosine, normalize, hamming, jaccard, i8dot, i8l2, sq8l2, sq8dot, sq8l2i } from './distance';
export { maxPush, maxPop, maxOffer, minPush, minPop, maxDrainSorted, maxOfferLex, maxDrainSortedLex } from './heap';
export {
  batchF32, batchManyF32, batchBin, batchI8, batchSq8, scanTopkF32, scanTopkManyF32, scanSelF32, scanTopkBin, scanTopkSq8, scanSelSq8,
  assignNearest, assignNearestBin,
} from './scan';
export { hnswInsert, hnswSearch, hnswSearchSq8 } from './hnsw';
export { pqTable, pqScan, pqEncode } from './pq';

/** First byte of linear memory the JS arena may use. */
export function heapBase(): usize {
  return __heap_base;
}
