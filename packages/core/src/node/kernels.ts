/**
 * Node's way to load the vector kernels: reads kernels.wasm from the package (dist/kernels/build
 * in the published package, src/kernels/build in the repository, built by `npm run build:wasm`) and hands the bytes to the portable loader. After the returned
 * promise resolves, every index call is synchronous.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { VesperError } from '../errors/index.ts';
import { initKernels, kernelsReady, getKernels } from '../kernels/loader.ts';
import type { WasmArena } from '../kernels/wasm-arena.ts';

/** Path of the built kernels.wasm inside @vesper/core. */
export const KERNELS_WASM_PATH = fileURLToPath(new URL('../kernels/build/kernels.wasm', import.meta.url));

/**
 * The bytes of the kernels.wasm shipped in the package.
 * @throws SERVICE_NOT_READY if the file is missing (a broken install, or not built in the repository).
 */
export async function readBundledKernels(): Promise<Uint8Array> {
  try {
    return await readFile(KERNELS_WASM_PATH);
  } catch (e) {
    throw new VesperError('SERVICE_NOT_READY', `kernels.wasm not found at ${KERNELS_WASM_PATH}: it ships in @vesper/core, so reinstall the package (inside the Vesper repository: run \`npm run build:wasm\`)`, undefined, {
      cause: e,
    });
  }
}

/**
 * Loads the kernels once (idempotent).
 * @throws SERVICE_NOT_READY if kernels.wasm has not been built.
 */
export async function loadKernelsNode(): Promise<WasmArena> {
  if (kernelsReady()) return getKernels();
  return initKernels(await readBundledKernels());
}
