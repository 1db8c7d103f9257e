/**
 * A fixed-size bitset over a segment's rows (bit i = row i). Filters produce one, MVCC
 * visibility produces one, and vector indexes take one as the allow-list of rows they may
 * return. Words are 32-bit so the bytes can be handed to WASM as-is; bits past `size` are
 * always zero (every operation keeps that invariant).
 */
export class Bitset {
  readonly size: number;
  readonly words: Uint32Array;

  constructor(size: number, words?: Uint32Array) {
    this.size = size;
    this.words = words ?? new Uint32Array((size + 31) >>> 5);
  }

  static full(size: number): Bitset {
    const b = new Bitset(size);
    b.words.fill(0xffffffff);
    b.clearTail();
    return b;
  }

  static fromIndices(size: number, indices: Iterable<number>): Bitset {
    const b = new Bitset(size);
    for (const i of indices) b.set(i);
    return b;
  }

  get(i: number): boolean {
    return ((this.words[i >>> 5]! >>> (i & 31)) & 1) === 1;
  }

  set(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }

  clear(i: number): void {
    this.words[i >>> 5]! &= ~(1 << (i & 31));
  }

  /** this &= other (same size). Returns this. */
  and(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    for (let w = 0; w < a.length; w++) a[w] = a[w]! & b[w]!;
    return this;
  }

  or(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    for (let w = 0; w < a.length; w++) a[w] = a[w]! | b[w]!;
    return this;
  }

  /** this &= ~other. */
  andNot(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    for (let w = 0; w < a.length; w++) a[w] = a[w]! & ~b[w]!;
    return this;
  }

  not(): this {
    const a = this.words;
    for (let w = 0; w < a.length; w++) a[w] = ~a[w]!;
    this.clearTail();
    return this;
  }

  clone(): Bitset {
    return new Bitset(this.size, this.words.slice());
  }

  count(): number {
    let n = 0;
    const a = this.words;
    for (let w = 0; w < a.length; w++) {
      let v = a[w]!;
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return n;
  }

  isEmpty(): boolean {
    for (const w of this.words) if (w !== 0) return false;
    return true;
  }

  /** Calls fn for every set bit in increasing order. */
  forEach(fn: (i: number) => void): void {
    const a = this.words;
    for (let w = 0; w < a.length; w++) {
      let v = a[w]!;
      while (v !== 0) {
        const t = v & -v;
        fn((w << 5) + 31 - Math.clz32(t));
        v ^= t;
      }
    }
  }

  toIndices(): number[] {
    const out: number[] = [];
    this.forEach((i) => out.push(i));
    return out;
  }

  private clearTail(): void {
    const rem = this.size & 31;
    if (rem !== 0) this.words[this.words.length - 1]! &= ((1 << rem) >>> 0) - 1;
  }
}
