/**
 * HNSW recall on the real datasets in ../shared/datasets against their provided ground truth
 * (siftsmall 10k x 128 L2; arxiv-gte-small 900 x 384 cosine). Skipped, with the reason
 * printed, when the directory is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { MetricType } from '../../packages/core/src/schema/types.ts';
import { loadKernelsNode } from '../../packages/core/src/node/kernels.ts';
import { getIndexFactory } from '../../packages/core/src/index/index.ts';
import { readFvecs, readIvecs, recall } from './fixtures.ts';

const dir = fileURLToPath(new URL('../../../shared/datasets/', import.meta.url));
const present = existsSync(dir);
if (!present) console.log(`[datasets.test] skipped: ${dir} is absent (real datasets live in ../shared/datasets)`);

const sets: Array<{ name: string; base: string; query: string; gt: string; metric: MetricType; min: number }> = [
  { name: 'siftsmall', base: 'siftsmall/siftsmall_base.fvecs', query: 'siftsmall/siftsmall_query.fvecs', gt: 'siftsmall/gt.l2.ivecs', metric: 'L2', min: 0.95 },
  { name: 'arxiv-gte-small-1k', base: 'arxiv-gte-small-1k/base.fvecs', query: 'arxiv-gte-small-1k/query.fvecs', gt: 'arxiv-gte-small-1k/gt.cos.ivecs', metric: 'COSINE', min: 0.95 },
];

describe.skipIf(!present)('HNSW on ../shared/datasets', () => {
  beforeAll(async () => {
    await loadKernelsNode();
  });
  for (const s of sets) {
    it(`${s.name} (${s.metric}) recall@10 at ef=64 ≥ ${s.min}`, async () => {
      const base = readFvecs(readFileSync(dir + s.base));
      const q = readFvecs(readFileSync(dir + s.query));
      const gt = readIvecs(readFileSync(dir + s.gt));
      const idx = await getIndexFactory('HNSW').build(
        { type: DataType.FloatVector, length: base.n, dim: base.dim, data: base.data }, s.metric, { M: 16, efConstruction: 200 },
      );
      const got = idx.search(q.data, q.n, 10, { params: { ef: 64 } });
      const r = recall(got.rows, gt.data, q.n, 10, gt.dim);
      expect(r, `${s.name} recall ${r}`).toBeGreaterThanOrEqual(s.min);
      idx.dispose?.();
    });
  }
});
