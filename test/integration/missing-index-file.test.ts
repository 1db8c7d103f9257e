/**
 * A manifest that names an index file which is gone (evicted, deleted by hand) is damaged
 * acknowledged state: the collection refuses to load with IO_KEY_NOT_FOUND naming the file —
 * never a quiet exact search in its place (segments/segment-loader.ts). Both ways an index
 * opens: whole (HNSW) and by range (IVF_PQ). Node files (FsObjectStore).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataType, type VesperClient } from '@vesper/core';
import { openDatabase } from '@vesper/core/node';
import { cleanup, tempDir } from '../fixtures/open.ts';

afterAll(cleanup);

const DIM = 8;
const N = 400;

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

async function fillIndexed(db: VesperClient, indexType: string, params: Record<string, unknown>): Promise<void> {
  await db.createCollection({
    collection_name: 'c',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
    ],
  } as never);
  await db.createIndex({ collection_name: 'c', field_name: 'vec', index_type: indexType, metric_type: 'L2', params });
  await db.loadCollection({ collection_name: 'c' });
  await db.insert({ collection_name: 'c', data: Array.from({ length: N }, (_, i) => ({ id: i, vec: Array.from({ length: DIM }, (_, d) => Math.sin(i * 7 + d)) })) });
  await db.flush({ collection_names: ['c'] });
  for (let i = 0; i < 2000; i++) {
    const d = (await db.describeIndex({ collection_name: 'c' })).index_descriptions[0]!;
    if (d.state === 'Finished' && Number(d.pending_index_rows ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${indexType}: index build did not finish`);
}

describe('an index file named by the manifest but missing', () => {
  for (const [indexType, params] of [['HNSW', { M: 8, efConstruction: 64 }], ['IVF_PQ', { nlist: 8, m: 4, nbits: 8 }]] as const) {
    it(`${indexType}: loading the collection is IO_KEY_NOT_FOUND naming the file, not an exact search`, async () => {
      const dir = await tempDir();
      let db = await openDatabase({ path: dir });
      await fillIndexed(db, indexType, params);
      await db.close();
      const all = await filesUnder(dir);
      const indexFiles = all.filter((f) => /index-vec-\d+/.test(f));
      expect(indexFiles.length, `one index file per sealed segment in ${all.join(" ")}`).toBeGreaterThan(0);
      await rm(indexFiles[0]!);

      db = await openDatabase({ path: dir });
      const err = await db.loadCollection({ collection_name: 'c' }).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ error: 'IO_KEY_NOT_FOUND', message: expect.stringContaining('index-vec-') as string });
      // and no search answers from the damaged segment
      await expect(db.search({ collection_name: 'c', data: [Array.from({ length: DIM }, () => 0.5)], limit: 3, consistency_level: 'Strong' }))
        .rejects.toMatchObject({ error: expect.any(String) as string });
      await db.close();
    }, 120_000);
  }
});
