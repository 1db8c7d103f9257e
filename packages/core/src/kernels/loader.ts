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

/** What a failed load tells the user to do (one message for every way it can fail). */
const KERNELS_HELP =
  'kernels.wasm ships in @vesper/core (dist/kernels/build/kernels.wasm): serve it with your app (Vite and webpack 5 emit it on their own), ' +
  "allow WebAssembly in a Content-Security-Policy ('wasm-unsafe-eval'), or pass `kernels` (its URL, bytes or a compiled WebAssembly.Module) when opening the database";

async function fetchAndCompile(api: ReturnType<typeof wasmApi>, url: string): Promise<WasmModule> {
  // fetch is reached through globalThis because core may not name runtime-specific globals;
  // every Vesper runtime that loads by URL has it.
  const fetchFn = (globalThis as unknown as { fetch?: FetchLike }).fetch;
  if (fetchFn === undefined) throw new Error('this runtime has no fetch');
  if (api.compileStreaming !== undefined) {
    try {
      return await api.compileStreaming(fetchFn(url));
    } catch {
      // wrong MIME type on a dev server: fall back to bytes (a real failure fails again below)
    }
  }
  const res = await fetchFn(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return api.compile(await res.arrayBuffer());
}

function describeSource(source: KernelSource): string {
  if (typeof source === 'string' || source instanceof URL) return String(source);
  return source instanceof Uint8Array || source instanceof ArrayBuffer ? 'the given bytes' : 'the given module';
}

async function compile(source: KernelSource): Promise<WasmModule> {
  try {
    const api = wasmApi();
    if (source instanceof Uint8Array || source instanceof ArrayBuffer) return await api.compile(source);
    if (typeof source === 'string' || source instanceof URL) return await fetchAndCompile(api, String(source));
    return source; // already a WebAssembly.Module (instantiated, and checked, by initKernels)
  } catch (e) {
    throw kernelsError(describeSource(source), e);
  }
}

/** How browsers word a Content-Security-Policy refusal to compile WebAssembly (Chromium, Firefox, Safari). */
const CSP_REFUSAL = /content.security.policy|\bCSP\b|unsafe-eval/i;

/** What to do when the page's policy is what blocks the kernels (no other remedy helps then). */
const CSP_HELP =
  "the page's Content-Security-Policy does not allow WebAssembly: add 'wasm-unsafe-eval' to its script-src " +
  '(the policy sent with the page and with its worker scripts); passing `kernels` does not help, a policy that blocks compiling blocks every source';

function kernelsError(where: string, cause: unknown): VesperError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const csp = CSP_REFUSAL.test(reason);
  return new VesperError('SERVICE_NOT_READY', `cannot load kernels.wasm from ${where} (${reason}); ${csp ? CSP_HELP : KERNELS_HELP}`, { where, blockedByCsp: csp }, { cause });
}

/**
 * Compiles (once) and instantiates kernels.wasm. Idempotent: later calls return the same
 * runtime whatever their source.
 * @throws SERVICE_NOT_READY when kernels.wasm cannot be fetched, compiled or instantiated
 *   (missing file, wrong URL, a CSP that blocks WebAssembly, not Vesper's module); the
 *   message says what to do. Nothing is cached then: a later call may try another source.
 */
export async function initKernels(source: KernelSource): Promise<WasmArena> {
  if (runtime !== undefined) return runtime;
  if (pending !== undefined) return pending;
  pending = (async () => {
    const module = cachedModule ?? (await compile(source));
    let exports: KernelExports;
    try {
      const instance = await wasmApi().instantiate(module, {});
      exports = instance.exports as unknown as KernelExports;
      if (typeof exports.heapBase !== 'function' || exports.memory === undefined) throw new Error('not Vesper\'s kernels.wasm (no heapBase/memory export)');
    } catch (e) {
      throw kernelsError(describeSource(source), e);
    }
    cachedModule = module;
    runtime = new WasmArena(exports);
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

/** Bytes of the kernels' WASM linear memory in this thread (0 before `initKernels`); it only grows. */
export function kernelsMemoryBytes(): number {
  return runtime === undefined ? 0 : runtime.memoryBytes;
}

/** The cached compiled module (for handing to workers), if any. */
export function kernelsModule(): WasmModule | undefined {
  return cachedModule;
}
