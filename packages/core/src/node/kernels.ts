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
import { errno } from './fs-util.ts';

/** Path of the built kernels.wasm inside @vesper/core. */
export const KERNELS_WASM_PATH = fileURLToPath(new URL('../kernels/build/kernels.wasm', import.meta.url));

/** What a Node user does about a missing or damaged kernels.wasm. */
const NODE_KERNELS_HELP = 'it ships in @vesper/core, so reinstall the package (`npm install`); inside the Vesper repository run `npm run build:wasm`';

/**
 * The bytes of the kernels.wasm shipped in the package.
 * @throws SERVICE_NOT_READY if the file is missing or unreadable (a broken install, or not
 *   built in the repository); the message names the path and the fix.
 */
export async function readBundledKernels(): Promise<Uint8Array> {
  try {
    return await readFile(KERNELS_WASM_PATH);
  } catch (e) {
    const reason = errno(e) === 'ENOENT' ? 'not found' : `cannot be read (${(e as Error).message})`;
    throw new VesperError('SERVICE_NOT_READY', `kernels.wasm ${reason} at ${KERNELS_WASM_PATH}: ${NODE_KERNELS_HELP}`, { path: KERNELS_WASM_PATH }, { cause: e });
  }
}

/**
 * Loads the kernels once (idempotent); `openDatabase` awaits it before it touches storage, so
 * a missing or damaged file fails the open, not the first search.
 * @throws SERVICE_NOT_READY if kernels.wasm is missing, unreadable, or not a loadable
 *   kernels module (damaged, truncated, a Git LFS pointer); the message names the path and the fix.
 */
export async function loadKernelsNode(): Promise<WasmArena> {
  if (kernelsReady()) return getKernels();
  const bytes = await readBundledKernels();
  try {
    return await initKernels(bytes);
  } catch (e) {
    // initKernels names browser remedies (serving the file, CSP); in Node the file is the package's own
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new VesperError(
      'SERVICE_NOT_READY',
      `kernels.wasm at ${KERNELS_WASM_PATH} (${bytes.byteLength} bytes) is damaged or not Vesper's kernels (${reason}): ${NODE_KERNELS_HELP}`,
      { path: KERNELS_WASM_PATH },
      { cause },
    );
  }
}
