/**
 * Module declarations for the Worker bundle. wrangler.toml's CompiledWasm rule (and the
 * Workers Vitest pool) turn a `.wasm` import into a precompiled WebAssembly.Module, the only
 * way to get WASM into workerd, which forbids compiling bytes at runtime.
 */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
