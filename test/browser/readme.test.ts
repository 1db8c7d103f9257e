/**
 * The README's "In the browser" example, run in Chromium as written (code block extracted
 * from README.md at build time would need Node; this is the same code, kept in step).
 */
import { expect, it } from 'vitest';
import kernels from '@vesper/core/kernels.wasm?url';
import { openDatabase } from '../../packages/browser/src/index.ts';
import { freshName } from './browser-helpers.ts';

it('README: In the browser', async () => {
  const db = await openDatabase(`opfs://${freshName('readme')}`, { kernels });
  if (!(await db.hasCollection({ collection_name: 'books' })).value) {
    await db.createCollection({ collection_name: 'books', dimension: 4, metric_type: 'COSINE' });
  }
  const progress: number[] = [];
  await db.insert({
    collection_name: 'books',
    data: [
      { id: 1, vector: [0.1, 0.9, 0.2, 0.0], title: 'Dune' },
      { id: 2, vector: [0.8, 0.1, 0.1, 0.3], title: 'Neuromancer' },
    ],
    onProgress: ({ done }) => progress.push(done),
  });
  const { results } = await db.search({
    collection_name: 'books',
    data: [0.15, 0.85, 0.25, 0.05],
    limit: 1,
    output_fields: ['title'],
    signal: AbortSignal.timeout(1000),
    consistency_level: 'Strong',
  });
  expect(progress).toEqual([2]);
  expect(results).toMatchObject([{ id: '1', title: 'Dune' }]);
  await db.close();
});
