/**
 * The engine worker's wire protocol: one postMessage per call and one per answer, matched by
 * a numeric id. It replaces comlink's generic proxy protocol on this hot path (no proxy
 * objects, no per-call transfer-handler scan, no UUIDs), and carries errors as data: a
 * VesperError — raised or resolved — crosses as its toJSON() and is rebuilt with
 * VesperError.fromJSON, so the page switches on the same code, kind and retriable flag.
 *
 * Invariants: every request gets exactly one response with its id; `tag` tells our messages
 * from anything else posted on the same endpoint, which both sides ignore.
 */
import type { VesperErrorJSON } from '@vesper/core';

export const WIRE_TAG = 'vesper/1';

/** The EngineApi operations (see protocol.ts). */
export type WireOp = 'open' | 'handle' | 'cancel' | 'close';

export interface WireRequest {
  readonly tag: typeof WIRE_TAG;
  readonly id: number;
  readonly op: WireOp;
  readonly args: readonly unknown[];
}

/** `error` set: the call's VesperError; else `value` is its result. */
export interface WireResponse {
  readonly tag: typeof WIRE_TAG;
  readonly id: number;
  readonly value?: unknown;
  readonly error?: VesperErrorJSON;
}

/** The message side of a Worker or a worker's global scope (structural, DOM and WebWorker types both fit). */
export interface MessagePortLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

function tagged(value: unknown): value is { tag: unknown; id: unknown } {
  return value !== null && typeof value === 'object' && (value as { tag?: unknown }).tag === WIRE_TAG;
}

export function isWireRequest(value: unknown): value is WireRequest {
  return tagged(value) && typeof value.id === 'number' && Array.isArray((value as { args?: unknown }).args);
}

export function isWireResponse(value: unknown): value is WireResponse {
  return tagged(value) && typeof value.id === 'number';
}
