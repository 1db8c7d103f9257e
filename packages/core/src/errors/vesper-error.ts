/**
 * VesperError: the one error type the engine throws. It carries a catalog code (Milvus's
 * number), a kind, a retriable flag and an HTTP status, and crosses worker, Durable Object
 * and HTTP boundaries as plain data via toJSON/fromJSON. Callers switch on `code`, never on
 * the message.
 */
import { ErrorCodes, errorNameOf, type ErrorKind, type ErrorName } from './codes.ts';

export interface VesperErrorJSON {
  readonly name: 'VesperError';
  readonly code: number;
  readonly error: ErrorName;
  readonly kind: ErrorKind;
  readonly retriable: boolean;
  readonly http: number;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export class VesperError extends Error {
  readonly code: number;
  readonly error: ErrorName;
  readonly kind: ErrorKind;
  readonly retriable: boolean;
  readonly http: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(error: ErrorName, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    const spec = ErrorCodes[error];
    this.name = 'VesperError';
    this.error = error;
    this.code = spec.code;
    this.kind = spec.kind;
    this.retriable = spec.retriable;
    this.http = spec.http;
    this.details = details;
  }

  toJSON(): VesperErrorJSON {
    const base = {
      name: 'VesperError' as const,
      code: this.code,
      error: this.error,
      kind: this.kind,
      retriable: this.retriable,
      http: this.http,
      message: this.message,
    };
    return this.details === undefined ? base : { ...base, details: this.details };
  }

  /** Rebuilds an error sent as data. Unknown codes map to UNDEFINED but keep their number. */
  static fromJSON(json: Pick<VesperErrorJSON, 'code' | 'message'> & Partial<VesperErrorJSON>): VesperError {
    const name = json.error !== undefined && json.error in ErrorCodes ? json.error : errorNameOf(json.code);
    const err = new VesperError(name, json.message, json.details);
    if (err.code !== json.code) (err as { code: number }).code = json.code;
    return err;
  }

  static is(value: unknown, error?: ErrorName): value is VesperError {
    return value instanceof VesperError && (error === undefined || value.error === error);
  }

  /** Wraps anything thrown into a VesperError (system INTERNAL unless it already is one). */
  static wrap(value: unknown): VesperError {
    if (value instanceof VesperError) return value;
    const message = value instanceof Error ? value.message : String(value);
    return new VesperError('INTERNAL', `internal error: ${message}`, undefined, { cause: value });
  }
}

/** Throws PARAMETER_INVALID (1100) unless `condition` holds. */
export function check(condition: unknown, message: string, error: ErrorName = 'PARAMETER_INVALID'): asserts condition {
  if (!condition) throw new VesperError(error, message);
}
