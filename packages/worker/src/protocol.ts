/**
 * The message protocol between a page and the engine worker (comlink-exposed). Requests and
 * responses are the ProxyNode's (method, request) pairs — Milvus Node SDK shapes, JSON-safe —
 * so the worker adds no API of its own.
 *
 * Failures travel as data: a method that fails RESOLVES with the VesperError itself, which
 * the `vesper-error` transfer handler (error-transfer.ts) serializes with toJSON and rebuilds
 * with fromJSON. We never rely on comlink's own throw serialization, which keeps only
 * name/message/stack and would lose the code, kind and retriable flag.
 */
import type { SealPolicy, VesperError } from '@vesper/core';

export interface EngineConfig {
  /** The database URL the worker's storage opener understands ('opfs://name', ...). */
  readonly url: string;
  /** An absolute URL of kernels.wasm; without it, vector search runs on the scalar kernels. */
  readonly kernels?: string;
  /** Engine options that can cross a postMessage (no functions). */
  readonly engine?: CloneableEngineOptions;
}

export interface CloneableEngineOptions {
  readonly sealPolicy?: SealPolicy;
  /** Bounded consistency's staleness window in ms. */
  readonly boundedStalenessMs?: number;
}

export interface EngineApi {
  /** Opens storage and the ProxyNode; resolves undefined, or the VesperError that stopped it. */
  open(config: EngineConfig): Promise<VesperError | undefined>;
  /** Runs one ProxyNode request; resolves with its response or its VesperError. */
  handle(method: string, request: unknown): Promise<unknown>;
  /** Closes the engine and its storage; resolves undefined or the VesperError. */
  close(): Promise<VesperError | undefined>;
}
