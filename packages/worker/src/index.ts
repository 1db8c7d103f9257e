/**
 * `@vesper/worker`: the engine inside a dedicated Web Worker behind a lean postMessage
 * protocol (wire.ts), with the same API as in-process. This entry is the page side (WorkerTransport for a core VesperClient);
 * `@vesper/worker/serve` is the worker side (serveEngine, and serveReader for the query workers
 * that search sealed segments in parallel). Storage is the caller's choice:
 * `@vesper/browser` serves it with IndexedDB and OPFS.
 */
export type { Transport } from '@vesper/core';
export { WorkerTransport, type WorkerLike, type WorkerTransportOptions } from './worker-transport.ts';
export { registerVesperErrorTransfer, VESPER_ERROR_TRANSFER } from './error-transfer.ts';
export { vectorBuffers } from './vector-transfer.ts';
export { packRowsRequest, unpackRowsRequest, MIN_PACKED_ROWS, type PackedRows } from './row-packing.ts';
export { WIRE_TAG, type MessagePortLike, type WireOp, type WireRequest, type WireResponse } from './wire.ts';
export { QUERY_WORKER_STATS, DATABASE_STATS, REPLICA_SYNC, REPLICA_STATUS, REJECTED_WRITES, isControlMethod, type ControlMethod, type WorkerControlCalls, type WorkerLink, type WorkerMethod, type WorkerRequest, type WorkerResponse, type DatabaseStats, type CloneableEngineOptions, type EngineApi, type EngineConfig } from './protocol.ts';
export type { QueryWorkerStats } from './reader-pool.ts';
export type { ReaderStats } from './reader-protocol.ts';
export { splitCallMeta, randomId, WRITE_METHODS, type CallMeta, type SplitCall } from './call-meta.ts';
export type { RequestLog } from './protocol.ts';
