/**
 * The one portable loader of kernels.wasm. Accepts a precompiled `WebAssembly.Module`
 * (workerd: `import m from '@vesper/core/kernels.wasm'`, where compiling bytes at runtime is
 * forbidden), the bytes (Node: see src/node/kernels.ts), or a URL (browsers: streaming
 * compile). The compiled module and the instance are cached: after one awaited
 * `initKernels(...)`, every index and kernel call is synchronous (`getKernels()`).
 * Maps to knowhere's one-time SIMD hook selection at startup.
 */
import { VesperError } from '../errors/index.ts';
import { WasmArena } from './wasm-arena.ts';
import { wasmApi, type KernelExports, type WasmModule } from './wasm-api.ts';

/** Where kernels.wasm comes from. */
export type KernelSource = WasmModule | Uint8Array | ArrayBuffer | URL | string;

let cachedModule: WasmModule | undefined;
let runtime: WasmArena | undefined;
let pending: Promise<WasmArena> | undefined;

interface FetchLike {
  (url: string): Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
}

async function compile(source: KernelSource): Promise<WasmModule> {
  const api = wasmApi();
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return api.compile(source);
  if (typeof source === 'string' || source instanceof URL) {
    // Browsers only: fetch is reached through globalThis because core may not name
    // runtime-specific globals; every Vesper runtime that loads by URL has it.
    const fetchFn = (globalThis as unknown as { fetch?: FetchLike }).fetch;
    if (fetchFn === undefined) throw new VesperError('SERVICE_NOT_READY', 'cannot load kernels.wasm by URL: no fetch in this runtime');
    const url = String(source);
    if (api.compileStreaming !== undefined) {
      try {
        return await api.compileStreaming(fetchFn(url));
      } catch {
        // wrong MIME type on a dev server: fall back to bytes
      }
    }
    const res = await fetchFn(url);
    if (!res.ok) throw new VesperError('IO_FAILED', `cannot load kernels.wasm from ${url}: HTTP ${res.status}`);
    return api.compile(await res.arrayBuffer());
  }
  return source; // already a WebAssembly.Module
}

/**
 * Compiles (once) and instantiates kernels.wasm. Idempotent: later calls return the same
 * runtime whatever their source.
 * @throws SERVICE_NOT_READY / IO_FAILED when the module cannot be obtained.
 */
export async function initKernels(source: KernelSource): Promise<WasmArena> {
  if (runtime !== undefined) return runtime;
  if (pending !== undefined) return pending;
  pending = (async () => {
    cachedModule ??= await compile(source);
    const instance = await wasmApi().instantiate(cachedModule, {});
    runtime = new WasmArena(instance.exports as unknown as KernelExports);
    return runtime;
  })();
  try {
    return await pending;
  } finally {
    pending = undefined;
  }
}

/** True once `initKernels` has completed. */
export function kernelsReady(): boolean {
  return runtime !== undefined;
}

/**
 * The kernel runtime (synchronous).
 * @throws SERVICE_NOT_READY before `initKernels` (Node: `await loadKernelsNode()`).
 */
export function getKernels(): WasmArena {
  if (runtime === undefined) {
    throw new VesperError(
      'SERVICE_NOT_READY',
      'vector kernels are not loaded: await initKernels(source) first (Node: loadKernelsNode() from @vesper/core/node)',
    );
  }
  return runtime;
}

/** The cached compiled module (for handing to workers), if any. */
export function kernelsModule(): WasmModule | undefined {
  return cachedModule;
}
