/**
 * The kernels' linear memory as an arena the JS side manages (knowhere keeps index data in
 * its own allocator; here it is WASM memory so kernels read vectors in place, never copied
 * per query). A first-fit free list with coalescing hands out 16-byte-aligned, zeroed blocks
 * from `heapBase()` upwards and grows memory in 64 KiB pages up to 4 GiB.
 *
 * Invariants: typed-array views are re-created whenever growth replaces `memory.buffer`
 * (always go through `f32()`, `u8()`, ...; never keep a view across an allocation); growth
 * past 4 GiB, or a runtime refusing to grow, is a VesperError, never a trap.
 */
import { VesperError } from '../errors/index.ts';
import type { KernelExports } from './wasm-api.ts';

const PAGE = 65536;
const MAX_PAGES = 65536; // wasm32: 4 GiB
const ALIGN = 16;

interface FreeBlock {
  ptr: number;
  size: number;
}

export class WasmArena {
  readonly k: KernelExports;
  private free: FreeBlock[] = [];
  private readonly sizes = new Map<number, number>();
  private top: number;
  private buf: ArrayBuffer;
  private vf32: Float32Array;
  private vu8: Uint8Array;
  private vi32: Int32Array;
  private vu32: Uint32Array;
  private scratchPtr = 0;
  private scratchSize = 0;
  /** Bytes currently handed out. */
  allocated = 0;

  constructor(exports: KernelExports) {
    this.k = exports;
    this.top = align(exports.heapBase() >>> 0);
    this.buf = exports.memory.buffer;
    this.vf32 = new Float32Array(this.buf);
    this.vu8 = new Uint8Array(this.buf);
    this.vi32 = new Int32Array(this.buf);
    this.vu32 = new Uint32Array(this.buf);
  }

  private refresh(): void {
    const b = this.k.memory.buffer;
    if (b === this.buf) return;
    this.buf = b;
    this.vf32 = new Float32Array(b);
    this.vu8 = new Uint8Array(b);
    this.vi32 = new Int32Array(b);
    this.vu32 = new Uint32Array(b);
  }

  f32(): Float32Array {
    this.refresh();
    return this.vf32;
  }
  u8(): Uint8Array {
    this.refresh();
    return this.vu8;
  }
  i32(): Int32Array {
    this.refresh();
    return this.vi32;
  }
  u32(): Uint32Array {
    this.refresh();
    return this.vu32;
  }

  /** Total linear memory in bytes. */
  get memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  /**
   * A zeroed block of at least `bytes` bytes, 16-byte aligned.
   * @throws RESOURCE_EXHAUSTED past 4 GiB; MEMORY_LIMIT_EXCEEDED if the runtime refuses to grow.
   */
  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.size < size) continue;
      const ptr = b.ptr;
      if (b.size === size) this.free.splice(i, 1);
      else {
        b.ptr += size;
        b.size -= size;
      }
      this.u8().fill(0, ptr, ptr + size);
      return this.track(ptr, size);
    }
    const ptr = this.top;
    const end = ptr + size;
    this.ensure(end);
    this.top = end;
    this.u8().fill(0, ptr, end); // released blocks below the old top may be dirty
    return this.track(ptr, size);
  }

  private track(ptr: number, size: number): number {
    this.sizes.set(ptr, size);
    this.allocated += size;
    return ptr;
  }

  private ensure(end: number): void {
    const have = this.k.memory.buffer.byteLength;
    if (end <= have) return;
    const needPages = Math.ceil(end / PAGE);
    if (needPages > MAX_PAGES) {
      throw new VesperError(
        'RESOURCE_EXHAUSTED',
        `vector memory would grow to ${end} bytes, past the 4 GiB WASM limit: build smaller segments or drop unused indexes`,
        { requested: end, limit: MAX_PAGES * PAGE },
      );
    }
    const havePages = have / PAGE;
    // grow geometrically to keep growth (and view re-creation) rare
    const target = Math.min(MAX_PAGES, Math.max(needPages, Math.ceil(havePages * 1.5)));
    try {
      this.k.memory.grow(target - havePages);
    } catch {
      try {
        this.k.memory.grow(needPages - havePages);
      } catch (e) {
        throw new VesperError(
          'MEMORY_LIMIT_EXCEEDED',
          `the runtime refused to grow vector memory to ${needPages * PAGE} bytes`,
          { requested: needPages * PAGE },
          { cause: e },
        );
      }
    }
    this.refresh();
  }

  /** Returns a block to the free list (double frees are ignored). */
  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) return;
    this.sizes.delete(ptr);
    this.allocated -= size;
    if (ptr + size === this.top) {
      this.top = ptr;
      // merge a free block that now touches the top
      const last = this.free[this.free.length - 1];
      if (last !== undefined && last.ptr + last.size === this.top) {
        this.top = last.ptr;
        this.free.pop();
      }
      return;
    }
    let i = 0;
    while (i < this.free.length && this.free[i]!.ptr < ptr) i++;
    this.free.splice(i, 0, { ptr, size });
    const next = this.free[i + 1];
    if (next !== undefined && ptr + size === next.ptr) {
      this.free[i]!.size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev !== undefined && prev.ptr + prev.size === ptr) {
      prev.size += this.free[i]!.size;
      this.free.splice(i, 1);
    }
  }

  /**
   * A shared scratch block of at least `bytes` (query copies, heaps, result buffers). Valid
   * until the next call to `scratch`; callers lay out their own regions inside it.
   */
  scratch(bytes: number): number {
    if (bytes > this.scratchSize) {
      if (this.scratchPtr !== 0) this.release(this.scratchPtr);
      this.scratchSize = align(Math.max(bytes, this.scratchSize * 2, 1 << 16));
      this.scratchPtr = this.alloc(this.scratchSize);
    }
    return this.scratchPtr;
  }

  /** Copies a typed array's bytes to ptr. */
  write(ptr: number, src: ArrayBufferView): void {
    this.u8().set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), ptr);
  }

  /** Copies the words of an allow bitset to ptr (returns ptr, or 0 when there is no bitset). */
  writeBitset(ptr: number, words: Uint32Array | undefined): number {
    if (words === undefined) return 0;
    this.u32().set(words, ptr >>> 2);
    return ptr;
  }
}

export function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN; // arithmetic, not bitwise: pointers reach 4 GiB
}
