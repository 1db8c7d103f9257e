/**
 * `@vesper/core/kernels`: the kernels.wasm shipped in @vesper/core in the form the running
 * runtime loads it, chosen by the package's export conditions rather than by sniffing globals:
 * - `workerd` (wrangler, the Workers Vitest pool): bundled-kernels-workerd.ts, a precompiled
 *   WebAssembly.Module (workerd forbids compiling bytes at runtime);
 * - `node`: src/node/bundled-kernels.ts, the file's bytes;
 * - `browser` and everything else (Vite, webpack 5, Web Workers): this module, the file's URL,
 *   which both bundlers emit as an asset and rewrite (kernels-url.ts).
 * All three export the same function, so one line loads the kernels anywhere:
 * `await initKernels(await bundledKernels())`.
 */
import type { KernelSource } from './loader.ts';
import { bundledKernelsUrl } from './kernels-url.ts';

/** kernels.wasm in the form this runtime loads it (browsers and bundlers: its URL). */
export function bundledKernels(): Promise<KernelSource> {
  return Promise.resolve(bundledKernelsUrl());
}
