/**
 * `@vesper/core/kernels` under the `node` export condition: the kernels.wasm shipped in the
 * package, as its bytes (read from the file next to this module). Same signature as the
 * browser variant (../kernels/bundled-kernels.ts) and the workerd one.
 */
import type { KernelSource } from '../kernels/loader.ts';
import { readBundledKernels } from './kernels.ts';

/**
 * kernels.wasm in the form Node loads it: its bytes. `await initKernels(await bundledKernels())`.
 * @throws SERVICE_NOT_READY if the file is missing from the package.
 */
export function bundledKernels(): Promise<KernelSource> {
  return readBundledKernels();
}
