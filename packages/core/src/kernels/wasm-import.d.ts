/**
 * The one `.wasm` import in core (bundled-kernels-workerd.ts): on workerd, wrangler's
 * CompiledWasm rule makes it a compiled module. Typed as core's opaque WasmModule
 * (wasm-api.ts; the same brand, written out because an ambient module cannot import a relative
 * one), since core's tsconfig carries no WebAssembly globals.
 */
declare module '*/kernels.wasm' {
  const module: { readonly __wasmModuleBrand?: never };
  export default module;
}
