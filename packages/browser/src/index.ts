/**
 * `@vesper/browser`: Vesper in a web page. The persistent runtime — IndexedDB and OPFS
 * adapters, `openDatabase('opfs://…' | 'idb://…')`, multi-tab leadership — arrives with the
 * browser issue. Until then this entry point offers the embedded engine in memory, which
 * runs in any modern browser as it is (core is portable).
 */
import { VesperClient, initKernels, kernelsReady, type KernelSource } from '@vesper/core';

export { VesperClient, VesperError, DataType } from '@vesper/core';

/**
 * Opens an in-memory database in the page. `kernels` is where the WASM kernels come from
 * (a URL to `@vesper/core/kernels.wasm`, its bytes, or a compiled module).
 */
export async function openMemoryDatabase(kernels?: KernelSource): Promise<VesperClient> {
  if (kernels !== undefined && !kernelsReady()) await initKernels(kernels);
  return VesperClient.open({ storage: 'memory://' });
}
