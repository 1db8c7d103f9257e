/**
 * Test helper: the WASM kernels loaded the way the running environment can — from the built
 * file in Node, from its URL in a browser (the core suites also run in Chromium).
 */
import type { WasmArena } from './wasm-arena.ts';
import { initKernels } from './loader.ts';
import wasmUrl from './build/kernels.wasm?url';

export async function loadTestKernels(): Promise<WasmArena> {
  if ('document' in globalThis) return initKernels(new URL(wasmUrl, (globalThis as unknown as { location: { href: string } }).location.href));
  return (await import('../node/kernels.ts')).loadKernelsNode();
}
