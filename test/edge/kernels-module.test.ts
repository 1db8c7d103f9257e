/**
 * A Worker whose build does not deliver kernels.wasm as a WebAssembly.Module, run in real
 * workerd: the repository's wrangler.toml with the one change a user's configuration can make,
 * a `[[rules]]` entry that imports `*.wasm` as "Data" (an ArrayBuffer) instead of
 * "CompiledWasm". workerd cannot compile bytes at runtime, so no request can ever search; the
 * Worker must say so at its first request — code 1 (SERVICE_NOT_READY) naming the
 * CompiledWasm fix — on every request, not fail later inside an index build or a search.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVesperWorker, type RunningWorker } from './worker-harness.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const AUTH = { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' };

let dir: string;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  const toml = await readFile(join(root, 'wrangler.toml'), 'utf8');
  const misbuilt = toml
    .replace(/^main = ".*"$/m, `main = ${JSON.stringify(join(root, 'packages/edge/src/index.ts'))}`)
    .replace(/^type = "CompiledWasm"$/m, 'type = "Data"');
  // the edit must have happened, or this file would test the working Worker
  expect(misbuilt).toMatch(/^type = "Data"\nglobs = \["\*\*\/\*\.wasm"\]$/m);
  expect(misbuilt).not.toContain('CompiledWasm');
  dir = await mkdtemp(join(tmpdir(), 'vesper-kernels-data-'));
  await writeFile(join(dir, 'wrangler.toml'), misbuilt);
  worker = await startVesperWorker({ config: join(dir, 'wrangler.toml') });
}, 180_000);

afterAll(async () => {
  await worker?.dispose();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<{ code: number; message?: string; data?: unknown }> {
  const res = await fetch(`${worker!.endpoint}/v2/vectordb/${path}`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as { code: number; message?: string };
}

describe('a Worker built with kernels.wasm as bytes (a "Data" rule)', () => {
  it('answers its first request with code 1 naming the CompiledWasm fix, and every later request the same', async () => {
    const schema = { fields: [{ fieldName: 'id', dataType: 'Int64', isPrimary: true }, { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 4 } }] };
    const first = await post('collections/create', { collectionName: 'c', schema });
    expect(first.code, first.message).toBe(1);
    expect(first.message).toMatch(/^kernels\.wasm reached this Worker as an ArrayBuffer of \d+ bytes, not as a WebAssembly\.Module/);
    expect(first.message).toContain('type = "CompiledWasm"');
    // the same answer every time, for reads and writes alike: nothing got half-way
    for (const [path, body] of [
      ['collections/has', { collectionName: 'c' }],
      ['entities/search', { collectionName: 'c', data: [[0, 0, 0, 1]], annsField: 'v', limit: 1 }],
      ['collections/list', {}],
    ] as const) {
      const again = await post(path, body);
      expect(again.code, `${path}: ${again.message}`).toBe(1);
      expect(again.message, path).toBe(first.message);
    }
  });

  it('still answers /health (it touches neither storage nor kernels)', async () => {
    const res = await fetch(`${worker!.endpoint}/health`);
    expect(await res.json()).toEqual({ ok: true, engine: 'vesper' });
  });
});
