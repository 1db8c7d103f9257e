/**
 * AUTOINDEX (Milvus's "let the system choose"): BinaryVector fields get BIN_FLAT; float fields
 * with at most AUTO_FLAT_MAX_ROWS rows get FLAT (a scan of a small segment beats a graph and
 * is exact); larger ones get HNSW (M=16, efConstruction=200 unless given). The returned index
 * reports its concrete type; serialized files open through the concrete type's reader.
 */
import { DataType } from '../schema/data-type.ts';
import type { MetricType } from '../schema/types.ts';
import type { VectorColumn } from '../schema/columns.ts';
import type { IndexBuildOptions, VectorIndex, VectorIndexFactory } from './vector-index.ts';
import { BINARY_METRICS, FLOAT_METRICS, checkMetric } from './index-common.ts';
import { flatFactory } from './flat-index.ts';
import { hnswFactory } from './hnsw-index.ts';
import { binFlatFactory } from './bin-flat-index.ts';

export const AUTO_FLAT_MAX_ROWS = 4096;

/** The concrete factory AUTOINDEX picks for a column of this type and size. */
export function chooseAutoIndex(type: DataType, rows: number): VectorIndexFactory {
  if (type === DataType.BinaryVector) return binFlatFactory;
  return rows <= AUTO_FLAT_MAX_ROWS ? flatFactory : hnswFactory;
}

export function makeAutoIndexFactory(open: (bytes: Uint8Array) => VectorIndex | Promise<VectorIndex>): VectorIndexFactory {
  return {
    indexType: 'AUTOINDEX',
    metrics: [...FLOAT_METRICS, ...BINARY_METRICS],
    validateParams(_params: Readonly<Record<string, unknown>>, metric: MetricType): void {
      checkMetric('AUTOINDEX', metric, [...FLOAT_METRICS, ...BINARY_METRICS]);
    },
    async build(vectors: VectorColumn, metric: MetricType, params: Readonly<Record<string, unknown>>, opts?: IndexBuildOptions): Promise<VectorIndex> {
      this.validateParams(params, metric);
      const f = chooseAutoIndex(vectors.type, vectors.length);
      const p: Record<string, unknown> = f === hnswFactory ? { M: 16, efConstruction: 200, ...params } : {};
      return f.build(vectors, metric, p, opts);
    },
    open,
  };
}
