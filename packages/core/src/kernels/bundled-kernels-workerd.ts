/**
 * `@vesper/core/kernels` under the `workerd` export condition: kernels.wasm imported as a
 * module, which wrangler's bundler (and the Workers Vitest pool) turn into a precompiled
 * WebAssembly.Module (CompiledWasm) — the only form workerd accepts. See bundled-kernels.ts.
 */
import type { KernelSource } from './loader.ts';
import kernels from './build/kernels.wasm';

/** kernels.wasm in the form workerd loads it: the module compiled at deploy time. */
export function bundledKernels(): Promise<KernelSource> {
  return Promise.resolve(kernels);
}
