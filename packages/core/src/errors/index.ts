export { ErrorCodes, errorNameOf, type ErrorKind, type ErrorName, type ErrorSpec } from './codes.ts';
export { VesperError, check, type VesperErrorJSON } from './vesper-error.ts';
