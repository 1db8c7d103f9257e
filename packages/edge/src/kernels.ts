/**
 * The kernels of the edge: kernels.wasm reaches the Worker through `@vesper/core/kernels`,
 * whose `workerd` export condition imports the file as a module that the user's build must
 * turn into a precompiled `WebAssembly.Module` (wrangler's default rule for `*.wasm`, type
 * "CompiledWasm"). workerd
 * forbids compiling WASM bytes at runtime, so anything else the build hands us — bytes (a
 * "Data" rule), a string (a "Text" rule, a file URL), nothing — can never become kernels. The
 * fetch handler checks the import before any request reaches a Durable Object, and every DO
 * loads through `loadEdgeKernels`, so a misbuilt Worker answers one coded error that names the
 * fix at its first request instead of a compile error (or an index failure) later.
 */
import { VesperError, initKernels, kernelsReady } from '@vesper/core';
import { bundledKernels } from '@vesper/core/kernels';

/** What a Worker whose build did not deliver kernels.wasm as a module must change. */
export const EDGE_KERNELS_HELP =
  'workerd cannot compile WASM at runtime, so the Worker must import @vesper/core/kernels.wasm as a precompiled module: ' +
  "bundle with wrangler, whose default rule imports *.wasm as CompiledWasm; if your wrangler.toml has [[rules]] matching *.wasm, give them type = \"CompiledWasm\" " +
  '(a "Data" or "Text" rule delivers bytes or a string); with another bundler, resolve packages with the "workerd" export condition and mark kernels.wasm as a CompiledWasm module of the Worker';

function describe(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${value.byteLength} bytes`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `a ${typeof value}`;
}

/**
 * `imported` if it is a WebAssembly.Module.
 * @throws SERVICE_NOT_READY for anything else (what a build delivers instead: bytes, a string,
 *   nothing); the message says what arrived and how to build the Worker instead.
 */
export function asKernelsModule(imported: unknown): WebAssembly.Module {
  if (imported instanceof WebAssembly.Module) return imported;
  throw new VesperError(
    'SERVICE_NOT_READY',
    `kernels.wasm reached this Worker as ${describe(imported)}, not as a WebAssembly.Module; ${EDGE_KERNELS_HELP}`,
    { received: describe(imported) },
  );
}

/**
 * This Worker's kernels.wasm (`@vesper/core/kernels`), checked.
 * @throws SERVICE_NOT_READY when the build did not deliver it as a WebAssembly.Module.
 */
export async function importedKernels(): Promise<WebAssembly.Module> {
  return asKernelsModule(await bundledKernels());
}

/**
 * Loads the kernels into this isolate once (idempotent).
 * @throws SERVICE_NOT_READY when the imported module is missing, not a module, or not Vesper's.
 */
export async function loadEdgeKernels(): Promise<void> {
  if (!kernelsReady()) await initKernels(await importedKernels());
}
