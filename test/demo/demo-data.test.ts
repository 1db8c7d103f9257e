/**
 * The demo's data helpers in Node: LaTeX titles to plain text, schema inference for a user's
 * file (every format the page accepts, Arrow IPC written with apache-arrow), the synthetic
 * generator's determinism, and the exact-search oracle against a naive ranking.
 */
import { Field, FixedSizeList, Float32, Int32, Table, tableFromArrays, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { exactTopK, recall, score, StreamingTopK } from '../../demo/src/data/exact.ts';
import { plainTitle } from '../../demo/src/data/latex.ts';
import { prng, syntheticBatches } from '../../demo/src/data/synthetic.ts';
import { inferSchema, parseUserFile } from '../../demo/src/data/user-file.ts';

describe('plainTitle', () => {
  it('renders accents, Greek letters, superscripts and font commands, and drops the markup', () => {
    expect(plainTitle("Construction de variables \\`a l'aide \\`a la r\\'egression")).toBe("Construction de variables à l'aide à la régression");
    expect(plainTitle('Learning via $\\alpha$-Divergence')).toBe('Learning via α-Divergence');
    expect(plainTitle('$\\mathsf{G^2Retro}$: Two-Step')).toBe('G²Retro: Two-Step');
    expect(plainTitle('Polyak-\\L{}ojasiewicz')).toBe('Polyak-Łojasiewicz');
    expect(plainTitle('bounds over $R^d$ for $k$-center')).toBe('bounds over Rᵈ for k-center');
    expect(plainTitle('No markup here')).toBe('No markup here');
  });
});

describe('user files', () => {
  const file = (name: string, body: BlobPart | Uint8Array): File => new File([body as BlobPart], name);

  it('infers id, vector and scalar fields from JSON and NDJSON rows', async () => {
    const rows = [
      { id: 1, embedding: [0.1, 0.2, 0.3], name: 'a', score: 0.5, n: 3, ok: true, meta: { x: 1 } },
      { id: 2, embedding: [0.2, 0.1, 0.0], name: 'bb', score: 1, n: 4, ok: false, meta: null },
    ];
    for (const f of [file('rows.json', JSON.stringify(rows)), file('rows.ndjson', rows.map((r) => JSON.stringify(r)).join('\n') + '\n')]) {
      const parsed = await parseUserFile(f);
      expect(parsed.rows).toHaveLength(2);
      expect(parsed.fields.map((x) => [x.name, x.type])).toEqual([['id', 'Int64'], ['embedding', 'FloatVector'], ['name', 'VarChar'], ['score', 'Double'], ['n', 'Int64'], ['ok', 'Bool'], ['meta', 'JSON']]);
      expect(parsed.fields[1]!.dim).toBe(3);
    }
  });

  it('numbers rows without an id, reads .fvecs and Arrow IPC', async () => {
    expect(inferSchema([{ v: [1, 2] }, { v: [3, 4] }]).rows.map((r) => r['id'])).toEqual([0, 1]);
    const fvecs = new ArrayBuffer(2 * (4 + 8));
    const view = new DataView(fvecs);
    [0, 12].forEach((at, r) => {
      view.setInt32(at, 2, true);
      view.setFloat32(at + 4, r, true);
      view.setFloat32(at + 8, r + 0.5, true);
    });
    const fv = await parseUserFile(file('v.fvecs', fvecs));
    expect(fv.rows).toEqual([{ id: 0, vector: [0, 0.5] }, { id: 1, vector: [1, 1.5] }]);
    const vectors = vectorFromArray([[1, 2, 3], [4, 5, 6]], new FixedSizeList(3, new Field('item', new Float32())));
    const arrow = tableToIPC(new Table({ id: vectorFromArray([7, 8], new Int32()), vector: vectors, label: vectorFromArray(['x', 'y']) }));
    const parsed = await parseUserFile(file('t.arrow', arrow));
    expect(parsed.format).toBe('Arrow IPC');
    expect(parsed.rows).toEqual([{ id: 7, vector: [1, 2, 3], label: 'x' }, { id: 8, vector: [4, 5, 6], label: 'y' }]);
    const noVector = tableToIPC(tableFromArrays({ id: Int32Array.from([7, 8]), label: ['x', 'y'] }));
    await expect(parseUserFile(file('t.arrow', noVector))).rejects.toThrow(/no vector field/);
  });

  it('refuses what does not fit, naming the row and field', async () => {
    expect(() => inferSchema([{ id: 1, v: [1, 2] }, { id: 2, v: [1] }])).toThrow(/row 1: field v must be 2 numbers/);
    expect(() => inferSchema([{ id: 1, v: [1] }, { id: 1, v: [2] }])).toThrow(/duplicate/);
    await expect(parseUserFile(file('x.csv', 'a,b'))).rejects.toThrow(/unknown file type/);
    await expect(parseUserFile(file('x.ndjson', '{"id":1}\nnot json'))).rejects.toThrow(/line 2 is not JSON/);
  });
});

describe('synthetic data', () => {
  it('is the same for the same seed, in any batch size', () => {
    const a = [...syntheticBatches({ rows: 50, dim: 8, seed: 3 }, 7)].flat();
    const b = [...syntheticBatches({ rows: 50, dim: 8, seed: 3 }, 50)].flat();
    expect(a).toEqual(b);
    expect(a.map((r) => r['id'])).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...syntheticBatches({ rows: 50, dim: 8, seed: 4 }, 50)].flat()).not.toEqual(a);
  });
});

describe('exact search oracle', () => {
  it('agrees with ranking every pair naively, for each metric', () => {
    const seed = Number(process.env['VESPER_SEED'] ?? 12345);
    console.log(`exact search oracle: seed ${seed}`);
    const rand = prng(seed);
    const vectors = Array.from({ length: 200 }, () => Array.from({ length: 16 }, () => rand() * 2 - 1));
    const q = Array.from({ length: 16 }, () => rand() * 2 - 1);
    for (const metric of ['COSINE', 'IP', 'L2']) {
      const naive = vectors.map((v, i) => [i, score(metric, q, v)] as const).sort((x, y) => (metric === 'L2' ? x[1] - y[1] : y[1] - x[1])).slice(0, 10).map(([i]) => i);
      expect(exactTopK(metric, q, vectors, 10)).toEqual(naive);
    }
    expect(recall([1, 2, 3], [3, 4, 1, 5])).toBe(0.5);
  });

  it('agrees with exactTopK when the rows stream in batches of any size, ties included', () => {
    const seed = Number(process.env['VESPER_SEED'] ?? 23456);
    console.log(`streaming exact search: seed ${seed}`);
    const rand = prng(seed);
    // few distinct values: many equal scores, so the tie order (first seen wins) is exercised
    const vectors = Array.from({ length: 500 }, () => Array.from({ length: 8 }, () => Math.floor(rand() * 3) - 1));
    const ids = vectors.map((_, i) => 1000 + i);
    const queries = Array.from({ length: 5 }, () => Array.from({ length: 8 }, () => rand() * 2 - 1));
    for (const metric of ['COSINE', 'IP', 'L2']) {
      for (const batch of [1, 7, 128, 500]) {
        const top = new StreamingTopK(metric, queries, 10);
        for (let at = 0; at < vectors.length; at += batch) top.add(ids.slice(at, at + batch), vectors.slice(at, at + batch));
        expect(top.seen).toBe(500);
        expect(top.result()).toEqual(queries.map((q) => exactTopK(metric, q, vectors, 10).map((i) => ids[i])));
      }
    }
  });
});
