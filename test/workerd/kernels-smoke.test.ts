/**
 * Kernels smoke test inside workerd: kernels.wasm arrives the only way workerd allows, as a
 * precompiled WebAssembly.Module from a static import (compiling bytes at runtime is
 * forbidden), SIMD kernels agree with their scalar twins, and an HNSW index built through the
 * client (Milvus's IndexNode off the flush path) answers searches that match exact search.
 * The edge's check of that import: what a build can deliver instead of a module (nothing,
 * bytes, a string) is code 1 naming the CompiledWasm fix (test/edge/kernels-module.test.ts
 * runs a whole Worker built that way).
 */
import { describe, expect, it } from 'vitest';
import kernelsModule from '../../packages/core/src/kernels/build/kernels.wasm';
import { VesperClient, initKernels, kernelsReady } from '../../packages/core/src/index.ts';
import { l2sqRef } from '../../packages/core/src/kernels/scalar.ts';
import { Random } from '../../packages/core/src/util/random.ts';
import { asKernelsModule, importedKernels } from '../../packages/edge/src/kernels.ts';
import { VesperError } from '../../packages/core/src/errors/index.ts';
import { exactTopK, randomVector, workerdSeed } from './seeded.ts';

const seed = workerdSeed();
const DIM = 16;
const ROWS = 1000;
const K = 10;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe(`WASM kernels in workerd (seed ${seed})`, () => {
  it('loads from the imported WebAssembly.Module and matches the scalar twin', async () => {
    expect(kernelsModule).toBeInstanceOf(WebAssembly.Module);
    const arena = await initKernels(kernelsModule);
    expect(kernelsReady()).toBe(true);
    const rng = new Random(seed);
    const a = Float32Array.from(randomVector(rng, DIM));
    const b = Float32Array.from(randomVector(rng, DIM));
    const pa = arena.alloc(a.byteLength);
    const pb = arena.alloc(b.byteLength);
    try {
      arena.write(pa, a);
      arena.write(pb, b);
      expect(arena.k.l2sq(pa, pb, DIM)).toBeCloseTo(l2sqRef(a, b), 4);
    } finally {
      arena.release(pb);
      arena.release(pa);
    }
  });

  it('builds an HNSW index through the client and searches it exactly enough', async () => {
    const rng = new Random(seed ^ 0x9e3779b9);
    const db = await VesperClient.open({ storage: 'memory://', kernels: kernelsModule });
    try {
      await db.createCollection({
        collection_name: 'ann',
        fields: [
          { name: 'pk', data_type: 'Int64', is_primary_key: true },
          { name: 'vec', data_type: 'FloatVector', dim: DIM },
        ],
      });
      await db.createIndex({
        collection_name: 'ann',
        field_name: 'vec',
        index_type: 'HNSW',
        metric_type: 'L2',
        params: { M: 16, efConstruction: 100 },
      });
      await db.loadCollection({ collection_name: 'ann' });
      const rows = Array.from({ length: ROWS }, (_, i) => ({ id: 2 * i + 1, vector: randomVector(rng, DIM) }));
      await db.insert({ collection_name: 'ann', data: rows.map((r) => ({ pk: r.id, vec: r.vector })) });
      await db.flush({ collection_names: ['ann'] });

      // The build runs off the flush path; wait for it, bounded.
      let index = (await db.describeIndex({ collection_name: 'ann' })).index_descriptions[0];
      for (let i = 0; i < 200 && index?.state !== 'Finished'; i++) {
        await sleep(25);
        index = (await db.describeIndex({ collection_name: 'ann' })).index_descriptions[0];
      }
      expect(index).toMatchObject({ index_type: 'HNSW', metric_type: 'L2', state: 'Finished', indexed_rows: String(ROWS) });

      const probeRows = Array.from({ length: 20 }, () => rows[rng.int(ROWS)]!);
      const res = await db.search({
        collection_name: 'ann',
        data: probeRows.map((r) => r.vector),
        limit: K,
        params: { ef: 64 },
        consistency_level: 'Strong',
      });
      const hits = res.results as { id: unknown; score: number }[][];
      expect(hits.map((h) => Number(h[0]!.id)), 'top-1 of a stored vector is that row').toEqual(probeRows.map((r) => r.id));
      expect(hits.map((h) => h[0]!.score)).toEqual(probeRows.map(() => 0));

      // Recall@10 against exact search: HNSW is approximate, but at this size it must be near-exact.
      let found = 0;
      for (const [i, probe] of probeRows.entries()) {
        const exact = new Set(exactTopK(rows, probe.vector, K));
        found += hits[i]!.filter((h) => exact.has(Number(h.id))).length;
      }
      expect(found / (K * probeRows.length), 'recall@10').toBeGreaterThanOrEqual(0.95);

      // Filtered search hands the allow-bitset to the WASM graph walk.
      const allowed = rows.filter((r) => r.id < ROWS);
      const probe = allowed[rng.int(allowed.length)]!;
      const filtered = await db.search({
        collection_name: 'ann',
        data: probe.vector, // one vector, so results are one flat list
        limit: K,
        filter: `pk < ${ROWS}`,
        params: { ef: 64 },
        consistency_level: 'Strong',
      });
      const filteredIds = (filtered.results as { id: unknown }[]).map((h) => Number(h.id));
      expect(filteredIds[0]).toBe(probe.id);
      for (const id of filteredIds) expect(id).toBeLessThan(ROWS);
    } finally {
      await db.close();
    }
  });
});

describe('the edge checks the kernels.wasm import (workerd compiles no bytes)', () => {
  it('accepts the WebAssembly.Module and refuses anything else with code 1 naming CompiledWasm', async () => {
    expect(asKernelsModule(kernelsModule)).toBe(kernelsModule);
    expect(await importedKernels()).toBe(kernelsModule); // the edge's own import (@vesper/core/kernels, workerd condition), built by wrangler.toml's rule
    const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    for (const [value, received] of [
      [undefined, 'undefined'],
      [null, 'null'],
      [bytes.buffer, 'an ArrayBuffer of 8 bytes'],
      [bytes, 'a Uint8Array of 8 bytes'],
      ['/assets/kernels.wasm', 'a string of 20 characters'],
      [{ default: kernelsModule }, 'an object ([object Object])'],
    ] as const) {
      let caught: unknown;
      try {
        asKernelsModule(value);
      } catch (e) {
        caught = e;
      }
      expect(caught, received).toBeInstanceOf(VesperError);
      const err = caught as VesperError;
      expect(err.code, received).toBe(1);
      expect(err.error).toBe('SERVICE_NOT_READY');
      expect(err.details).toEqual({ received });
      expect(err.message).toContain(`kernels.wasm reached this Worker as ${received}, not as a WebAssembly.Module`);
      expect(err.message).toContain('type = "CompiledWasm"');
    }
  });
});
