/**
 * Where kernels.wasm sits next to this module: `build/kernels.wasm`, in src (built by
 * `npm run build:wasm`) and in the published dist alike (scripts/build-package.mjs copies it
 * to the same relative place). Written as `new URL('<literal>', import.meta.url)` on purpose:
 * Vite and webpack 5 both recognise exactly that form, emit the file as an asset and rewrite
 * the URL, so a browser app gets the kernels with no bundler configuration and no `?url`.
 * Kept in its own module so only code that asks for the URL makes a bundler emit the asset.
 */

/** The URL of the kernels.wasm shipped in @vesper/core (browsers: pass it to initKernels). */
export function bundledKernelsUrl(): URL {
  return new URL('./build/kernels.wasm', import.meta.url);
}
