/**
 * Brute-force top-k (and range search) over a VectorColumn that has no index yet: Milvus's
 * growing-segment search (knowhere's brute_force::Search). The rows are copied into WASM once
 * per call and scanned with the same kernels as FLAT / BIN_FLAT.
 */
import { VesperError } from '../errors/index.ts';
import type { MetricType } from '../schema/types.ts';
import { DataType, dataTypeName } from '../schema/data-type.ts';
import type { VectorColumn } from '../schema/columns.ts';
import type { IndexSearchParams, QueryVectors, TopK } from './vector-index.ts';
import { FlatIndex } from './flat-index.ts';
import { BinFlatIndex } from './bin-flat-index.ts';
import { BINARY_METRICS, FLOAT_METRICS, checkMetric, columnToFloat, emptyTopK } from './index-common.ts';

/**
 * Exact top-k of `nq` queries against every row of `column` (rows 0..column.length-1) that
 * `opts.allow` permits. FloatVector, Float16Vector, BFloat16Vector and Int8Vector use L2, IP or
 * COSINE (converted to float32); BinaryVector uses HAMMING or JACCARD. Synchronous once
 * kernels are loaded.
 * @throws PARAMETER_INVALID for a metric the field type does not support, bad k or queries;
 *   SERVICE_NOT_READY before initKernels.
 */
export function exactSearch(
  column: VectorColumn, metric: MetricType, queries: QueryVectors, nq: number, k: number, opts?: IndexSearchParams,
): TopK {
  if (column.type === DataType.SparseFloatVector) {
    throw new VesperError('PARAMETER_INVALID', `exact search does not support ${dataTypeName(column.type)} yet`);
  }
  if (column.length === 0) return emptyTopK(nq, k);
  if (column.type === DataType.BinaryVector) {
    checkMetric('BIN_FLAT', metric, BINARY_METRICS);
    const idx = BinFlatIndex.fromBytes(column.data, column.length, column.dim, metric);
    try {
      return idx.search(queries, nq, k, opts);
    } finally {
      idx.dispose();
    }
  }
  checkMetric('FLAT', metric, FLOAT_METRICS);
  const idx = FlatIndex.fromFloat(columnToFloat(column, 'exact search'), column.length, column.dim, metric, column.type);
  try {
    return idx.search(queries, nq, k, opts);
  } finally {
    idx.dispose();
  }
}
