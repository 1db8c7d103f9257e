/**
 * Helpers the adapter contract suites share: seeded byte generators and an assertion that a
 * promise rejects with a given VesperError code. Runtime-agnostic (vitest and core only), so
 * the suites run unchanged in Node, Chromium and workerd.
 */
import { expect } from 'vitest';
import { VesperError, type ErrorName } from '../../packages/core/src/errors/index.ts';
import { Random } from '../../packages/core/src/util/random.ts';

/** n deterministic pseudo-random bytes. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const rng = new Random(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = rng.nextU32();
    out[i] = v & 0xff;
    if (i + 1 < n) out[i + 1] = (v >>> 8) & 0xff;
    if (i + 2 < n) out[i + 2] = (v >>> 16) & 0xff;
    if (i + 3 < n) out[i + 3] = v >>> 24;
  }
  return out;
}

/** Every byte value 0..255, twice, so encoders that mishandle any of them show it. */
export function allByteValues(): Uint8Array {
  const out = new Uint8Array(512);
  for (let i = 0; i < out.length; i++) out[i] = i & 0xff;
  return out;
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Byte equality with a readable failure (the first differing index, not a 5 MB diff). */
export function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  const a = actual as Uint8Array;
  expect(a.length).toBe(expected.length);
  let firstDiff = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== expected[i]) {
      firstDiff = i;
      break;
    }
  }
  expect(firstDiff, 'first differing byte index').toBe(-1);
}

/** Asserts the promise rejects with a VesperError whose catalog name is `error`. */
export async function expectCode(promise: Promise<unknown>, error: ErrorName): Promise<VesperError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a rejection with ${error}`).toBeInstanceOf(VesperError);
  const vesper = caught as VesperError;
  expect(vesper.error).toBe(error);
  return vesper;
}

/** Resources a suite opened, closed after each test (reopen hands over the old one). */
export class Opened<T extends { close?(): Promise<void> }> {
  private items: T[] = [];

  add(item: T): T {
    this.items.push(item);
    return item;
  }

  replace(old: T, next: T): T {
    this.items = this.items.filter((i) => i !== old);
    return this.add(next);
  }

  async closeAll(): Promise<void> {
    const items = this.items;
    this.items = [];
    for (const item of items) await item.close?.();
  }
}
