/**
 * The server side of the local-replica benchmarks (bench/suites/replica.ts for Node,
 * replica-browser.ts for Chromium): a one-shard HNSW collection `bench` on the Vesper Worker,
 * filled over REST v2 with the first `rows` rows of the benchmark data in batches of 1,000 (two
 * requests in flight), flushed, and waited on until its index is Finished.
 */
import { DIM, jsonVector, restCall, type ReplicaData } from './replica-data.ts';

export const BATCH = 1_000;
export const HNSW = { M: 16, efConstruction: 200 };

/** The REST body inserting rows `from..to-1` of `data` into `bench`. */
export function insertBody(data: ReplicaData, from: number, to: number): string {
  return JSON.stringify({ collectionName: 'bench', data: Array.from({ length: to - from }, (_, i) => ({ id: from + i, vector: jsonVector(data.rows, from + i) })) });
}

/** Creates and fills `bench` on the endpoint at `base`; the seconds spent ingesting and in all. */
export async function fillServerCollection(base: string, data: ReplicaData, rows: number): Promise<{ ingestS: number; serverS: number }> {
  const rest = (path: string, b: unknown) => restCall(base, path, b);
  await rest('collections/create', {
    collectionName: 'bench',
    dimension: DIM,
    metricType: 'COSINE',
    params: { shardsNum: 1 },
    indexParams: [{ fieldName: 'vector', metricType: 'COSINE', params: { index_type: 'HNSW', ...HNSW } }],
  });
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      for (let b = next++; b * BATCH < rows; b = next++) await rest('entities/insert', insertBody(data, b * BATCH, Math.min(rows, (b + 1) * BATCH)));
    }),
  );
  const ingestS = (performance.now() - t0) / 1000;
  await rest('collections/flush', { collectionName: 'bench' });
  for (;;) {
    const d = ((await rest('indexes/describe', { collectionName: 'bench', indexName: 'vector' })) as { indexState: string; pendingRows: number }[])[0]!;
    if (d.indexState === 'Finished' && Number(d.pendingRows) === 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { ingestS, serverS: (performance.now() - t0) / 1000 };
}
