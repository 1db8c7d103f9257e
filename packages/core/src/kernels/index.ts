/**
 * Public face of the kernels layer: the loader (init once, then synchronous), the arena type
 * and the scalar twins. Index code imports from here.
 */
export { initKernels, getKernels, kernelsReady, kernelsModule, kernelsMemoryBytes, type KernelSource } from './loader.ts';
export { bundledKernelsUrl } from './kernels-url.ts';
export { WasmArena } from './wasm-arena.ts';
export type { KernelExports, WasmModule } from './wasm-api.ts';
export * from './scalar.ts';
