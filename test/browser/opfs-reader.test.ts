/**
 * A read-only OpfsObjectStore (what query workers open) beside the writer's store running in
 * a dedicated worker (sync access handles, temp file then move — the engine's write path):
 * while the writer puts objects, the reader sees each one absent or whole, never a partial
 * file or a temp file (reads take no lock, so every put goes through); opening read-only
 * creates and cleans nothing, and put/delete are refused.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { wrap, type Remote } from 'comlink';
import { Random, VesperError } from '@vesper/core';
import { OpfsObjectStore } from '../../packages/browser/src/opfs-object-store.ts';
import { registerVesperErrorTransfer } from '../../packages/worker/src/error-transfer.ts';
import { browserSeed, freshName, removeOpfsDir } from './browser-helpers.ts';
import type { OpfsHarness } from './opfs-store-worker.ts';

registerVesperErrorTransfer();
const seed = browserSeed();
const worker = new Worker(new URL('./opfs-store-worker.ts', import.meta.url), { type: 'module' });
const harness: Remote<OpfsHarness> = wrap<OpfsHarness>(worker);
const dirs: string[] = [];
afterAll(async () => {
  worker.terminate();
  for (const d of dirs) await removeOpfsDir(d);
});

function unwrap<T>(value: unknown): T {
  if (value instanceof VesperError) throw value;
  return value as T;
}

/** Object i: `size` bytes, each (i * 31 + position) & 0xff, so any truncation or mix-up shows. */
function bytesOf(i: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let p = 0; p < size; p++) out[p] = (i * 31 + p) & 0xff;
  return out;
}

function whole(i: number, got: Uint8Array, size: number): boolean {
  if (got.length !== size) return false;
  for (let p = 0; p < size; p += 997) if (got[p] !== ((i * 31 + p) & 0xff)) return false;
  return got[size - 1] === ((i * 31 + size - 1) & 0xff);
}

describe(`a read-only OPFS store beside the writer (seed ${seed})`, () => {
  it('sees every object absent or whole while the writer puts, and the puts go through', async () => {
    const dir = `vesper-test/${freshName('opfs-reader')}`;
    dirs.push(dir);
    const writer = unwrap<number>(await harness.open(dir));
    const reader = await OpfsObjectStore.open(dir, { readOnly: true });
    const rng = new Random(seed);
    const sizes = Array.from({ length: 24 }, () => rng.range(256 * 1024, 2 * 1024 * 1024));
    let writing = true;
    const writes = (async () => {
      const t0 = performance.now();
      for (const [i, size] of sizes.entries()) unwrap(await harness.call(writer, 'put', [`seg/${i}`, bytesOf(i, size)]));
      writing = false;
      return performance.now() - t0;
    })();
    let seenWhole = 0;
    let seenAbsent = 0;
    while (writing) {
      for (const info of await reader.list('')) expect(info.key, `seed ${seed}`).toMatch(/^seg\/\d+$/);
      const i = rng.int(sizes.length);
      const got = await reader.get(`seg/${i}`);
      if (got === undefined) seenAbsent++;
      else {
        expect(whole(i, got, sizes[i]!), `seed ${seed}: object ${i} read back partial or mixed (${got.length} of ${sizes[i]} bytes)`).toBe(true);
        seenWhole++;
      }
    }
    const writeMs = await writes;
    for (const [i, size] of sizes.entries()) expect(whole(i, (await reader.get(`seg/${i}`))!, size)).toBe(true);
    expect(seenWhole + seenAbsent).toBeGreaterThan(0);
    console.log(`opfs reader (seed ${seed}): ${seenWhole} whole and ${seenAbsent} absent reads during ${sizes.length} puts (${writeMs.toFixed(0)} ms)`);
    unwrap(await harness.call(writer, 'close', []));
  });

  it('range reads follow an object the writer replaces or deletes after the reader read it', async () => {
    const dir = `vesper-test/${freshName('opfs-range')}`;
    dirs.push(dir);
    const writer = unwrap<number>(await harness.open(dir));
    const reader = await OpfsObjectStore.open(dir, { readOnly: true });
    const size = 64 * 1024;
    unwrap(await harness.call(writer, 'put', ['idx/a', bytesOf(1, size)]));
    unwrap(await harness.call(writer, 'put', ['idx/b', bytesOf(2, size)]));
    // the reader keeps each object's File for its next range reads
    expect(await reader.getRange('idx/a', 100, 50)).toEqual(bytesOf(1, size).slice(100, 150));
    expect(await reader.getRange('idx/b', 0, 10)).toEqual(bytesOf(2, size).slice(0, 10));
    expect(await reader.getRange('idx/a', 4096, 4096)).toEqual(bytesOf(1, size).slice(4096, 8192));
    // replaced (same size, other bytes; then a shorter one) and deleted by the writer's worker
    unwrap(await harness.call(writer, 'put', ['idx/a', bytesOf(3, size)]));
    expect(await reader.getRange('idx/a', 100, 50), `seed ${seed}: a stale snapshot was read`).toEqual(bytesOf(3, size).slice(100, 150));
    unwrap(await harness.call(writer, 'put', ['idx/a', bytesOf(4, 1000)]));
    expect(await reader.getRange('idx/a', 900, 500)).toEqual(bytesOf(4, 1000).slice(900));
    unwrap(await harness.call(writer, 'delete', [['idx/b']]));
    expect(await reader.getRange('idx/b', 0, 10), `seed ${seed}: a deleted object was read`).toBeUndefined();
    unwrap(await harness.call(writer, 'close', []));
  });

  it('opens without creating or cleaning anything, and refuses to write', async () => {
    const dir = `vesper-test/${freshName('opfs-ro')}`;
    dirs.push(dir);
    await expect(OpfsObjectStore.open(dir, { readOnly: true })).rejects.toMatchObject({ error: 'IO_FAILED' });
    let root = await navigator.storage.getDirectory();
    await expect(root.getDirectoryHandle('vesper-test').then((d) => d.getDirectoryHandle(dir.split('/')[1]!))).rejects.toThrow();
    const writer = await OpfsObjectStore.open(dir);
    await writer.put('a', new Uint8Array([1, 2, 3]));
    // a temp file as a writer mid-put leaves it
    root = await navigator.storage.getDirectory();
    const d = await (await root.getDirectoryHandle('vesper-test')).getDirectoryHandle(dir.split('/')[1]!);
    await d.getFileHandle('b.t.inflight', { create: true });
    const reader = await OpfsObjectStore.open(dir, { readOnly: true });
    await expect(d.getFileHandle('b.t.inflight')).resolves.toBeDefined();
    expect(await reader.get('a')).toEqual(new Uint8Array([1, 2, 3]));
    expect((await reader.list('')).map((o) => o.key)).toEqual(['a']);
    await expect(reader.put('c', new Uint8Array([1]))).rejects.toMatchObject({ error: 'INTERNAL' });
    await expect(reader.delete(['a'])).rejects.toMatchObject({ error: 'INTERNAL' });
    expect(await reader.get('a')).toEqual(new Uint8Array([1, 2, 3]));
  });
});
