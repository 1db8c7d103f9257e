/**
 * The comlink transfer handler that carries VesperError across the worker boundary as data:
 * serialized with toJSON, rebuilt with VesperError.fromJSON, so the receiver switches on the
 * same code, kind and retriable flag the engine raised. Both sides register it (idempotent).
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { VesperError, type VesperErrorJSON } from '@vesper/core';

export const VESPER_ERROR_TRANSFER = 'vesper-error';

const handler: TransferHandler<VesperError, VesperErrorJSON> = {
  canHandle: (value: unknown): value is VesperError => value instanceof VesperError,
  serialize: (error) => [error.toJSON(), []],
  deserialize: (json) => VesperError.fromJSON(json),
};

/** Registers the handler in this context's comlink (once). */
export function registerVesperErrorTransfer(): void {
  if (!transferHandlers.has(VESPER_ERROR_TRANSFER)) {
    transferHandlers.set(VESPER_ERROR_TRANSFER, handler as TransferHandler<unknown, unknown>);
  }
}
