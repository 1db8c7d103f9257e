/**
 * The slice of the WebAssembly JS API the kernels use, typed here because core's tsconfig
 * carries no WebAssembly globals (env.d.ts leaves it out on purpose). `wasmApi()` is the one
 * typed accessor; `KernelExports` is the ABI of kernels.wasm (assembly/index.ts).
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** A compiled module (opaque here). */
export interface WasmModule {
  readonly __wasmModuleBrand?: never;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmApi {
  Module: { new (bytes: Uint8Array): WasmModule; prototype: object };
  Instance: { new (module: WasmModule, imports?: Record<string, Record<string, unknown>>): WasmInstance };
  compile(bytes: Uint8Array | ArrayBuffer): Promise<WasmModule>;
  instantiate(module: WasmModule, imports?: Record<string, Record<string, unknown>>): Promise<WasmInstance>;
  compileStreaming?(response: unknown): Promise<WasmModule>;
}

/** The WebAssembly namespace of this runtime; throws UNIMPLEMENTED where it is missing. */
export function wasmApi(): WasmApi {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) throw new Error('WebAssembly is not available in this runtime');
  return api;
}

type Ptr = number;

/** kernels.wasm exports (pointers are byte offsets into `memory`). */
export interface KernelExports {
  readonly memory: WasmMemory;
  heapBase(): Ptr;
  l2sq(a: Ptr, b: Ptr, dim: number): number;
  dot(a: Ptr, b: Ptr, dim: number): number;
  cosine(a: Ptr, b: Ptr, dim: number): number;
  normalize(v: Ptr, dim: number): void;
  hamming(a: Ptr, b: Ptr, nbytes: number): number;
  jaccard(a: Ptr, b: Ptr, nbytes: number): number;
  i8dot(a: Ptr, b: Ptr, dim: number): number;
  i8l2(a: Ptr, b: Ptr, dim: number): number;
  sq8l2(qp: Ptr, w: Ptr, codes: Ptr, dim: number): number;
  sq8dot(qs: Ptr, codes: Ptr, dim: number): number;
  sq8l2i(qc: Ptr, codes: Ptr, dim: number): number;
  maxDrainSorted(heap: Ptr, size: number): number;
  maxOfferLex(heap: Ptr, size: number, k: number, d: number, id: number): number;
  maxDrainSortedLex(heap: Ptr, size: number): number;
  batchF32(metric: number, q: Ptr, base: Ptr, n: number, dim: number, out: Ptr): void;
  batchManyF32(metric: number, qs: Ptr, nq: number, base: Ptr, n: number, dim: number, out: Ptr): void;
  batchBin(metric: number, q: Ptr, base: Ptr, n: number, nbytes: number, out: Ptr): void;
  batchI8(metric: number, q: Ptr, base: Ptr, n: number, dim: number, out: Ptr): void;
  batchSq8(metric: number, a: Ptr, b: Ptr, bias: number, codes: Ptr, n: number, dim: number, out: Ptr): void;
  scanTopkF32(
    metric: number, q: Ptr, base: Ptr, dim: number, start: number, count: number,
    ids: Ptr, allow: Ptr, heap: Ptr, k: number, size: number,
  ): number;
  scanTopkManyF32(
    metric: number, qs: Ptr, qstride: number, nq: number, base: Ptr, dim: number, count: number,
    allow: Ptr, heaps: Ptr, k: number, sizes: Ptr,
  ): void;
  scanSelF32(
    metric: number, q: Ptr, base: Ptr, stride: number, dim: number, sel: Ptr, nsel: number, heap: Ptr, k: number, size: number,
  ): number;
  /** Heap entries hold rows (ids ? ids[slot] : slot), ordered by (distance, row): drain with maxDrainSortedLex. */
  scanTopkBin(
    metric: number, q: Ptr, base: Ptr, nbytes: number, start: number, count: number, ids: Ptr, allow: Ptr, heap: Ptr, k: number, size: number,
  ): number;
  scanTopkSq8(
    metric: number, a: Ptr, b: Ptr, bias: number, codes: Ptr, dim: number, start: number, count: number,
    ids: Ptr, allow: Ptr, heap: Ptr, k: number, size: number,
  ): number;
  scanSelSq8(
    metric: number, a: Ptr, b: Ptr, bias: number, codes: Ptr, dim: number, sel: Ptr, nsel: number, heap: Ptr, k: number, size: number,
  ): number;
  assignNearest(xs: Ptr, nx: number, cents: Ptr, nc: number, dim: number, outIdx: Ptr, outDist: Ptr): void;
  assignNearestBin(xs: Ptr, nx: number, cents: Ptr, nc: number, nbytes: number, outIdx: Ptr, outDist: Ptr): void;
  hnswInsert(ctx: Ptr, node: number): void;
  hnswSearch(ctx: Ptr, q: Ptr, k: number, ef: number, allow: Ptr, outRows: Ptr, outDists: Ptr): number;
  hnswSearchSq8(ctx: Ptr, q: Ptr, k: number, ef: number, refine: number, allow: Ptr, outRows: Ptr, outDists: Ptr): number;
  pqTable(metric: number, q: Ptr, cent: Ptr, cbt: Ptr, m: number, kp: number, dsub: number, table: Ptr): void;
  pqScan(
    table: Ptr, m: number, kp: number, codes: Ptr, start: number, count: number, ids: Ptr, allow: Ptr, bias: number,
    heap: Ptr, k: number, size: number,
  ): number;
  pqEncode(
    xs: Ptr, nx: number, dim: number, cents: Ptr, assign: Ptr, cbt: Ptr, m: number, kp: number, dsub: number, ksub: number,
    resid: Ptr, codes: Ptr,
  ): void;
}
