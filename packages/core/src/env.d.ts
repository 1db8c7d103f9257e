/**
 * The globals core may use: the ones every Vesper runtime (browsers, Web Workers, Node,
 * workerd) provides. Core's tsconfig has no DOM, Node or workers types, so anything not
 * declared here fails to compile — the compiler half of core's purity check (lint is the other).
 * WebAssembly is deliberately absent: kernels reach it through a typed accessor instead.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer): string;
}
declare function setTimeout(handler: () => void, ms?: number): unknown;
declare function clearTimeout(id: unknown): void;
declare function queueMicrotask(cb: () => void): void;
declare const console: {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
};
declare const performance: { now(): number };
declare const crypto: { getRandomValues<T extends ArrayBufferView>(array: T): T };
declare function structuredClone<T>(value: T): T;
interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  throwIfAborted(): void;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
