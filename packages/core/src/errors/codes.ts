/**
 * The catalog of Vesper error codes. Numbers are Milvus's (pkg/util/merr) where Milvus has
 * one, so a client that switches on a Milvus code works unchanged; Vesper-only conditions use
 * names Milvus does not have but numbers from the same domain ranges. Each entry says whether
 * the caller caused it (`input`) or the system did (`system`), whether retrying can help, and
 * the HTTP status the REST endpoint answers with (Milvus answers 200 for most API errors).
 */
export type ErrorKind = 'input' | 'system';

export interface ErrorSpec {
  readonly code: number;
  readonly kind: ErrorKind;
  readonly retriable: boolean;
  readonly http: number;
}

const input = (code: number, http = 200): ErrorSpec => ({ code, kind: 'input', retriable: false, http });
const system = (code: number, retriable = false, http = 200): ErrorSpec => ({ code, kind: 'system', retriable, http });

export const ErrorCodes = {
  // service (1-99)
  SERVICE_NOT_READY: system(1, true),
  SERVICE_UNAVAILABLE: system(2, true),
  MEMORY_LIMIT_EXCEEDED: system(3, false),
  REQUEST_LIMIT_EXCEEDED: system(4, true),
  INTERNAL: system(5),
  RATE_LIMIT: system(8, true),
  QUOTA_EXCEEDED: system(9, false),
  UNIMPLEMENTED: input(10),
  RESOURCE_EXHAUSTED: system(12, false),
  // collection (100-199)
  COLLECTION_NOT_FOUND: input(100),
  COLLECTION_NOT_LOADED: input(101),
  COLLECTION_NUM_LIMIT_EXCEEDED: input(102),
  COLLECTION_ILLEGAL_SCHEMA: input(105),
  // partition (200-299)
  PARTITION_NOT_FOUND: input(200),
  PARTITION_NOT_LOADED: input(201),
  // 203+: Vesper's own, Milvus reports these as parameter errors without a number
  PARTITION_ALREADY_EXISTS: input(203),
  PARTITION_NUM_LIMIT_EXCEEDED: input(204),
  // segment (600-699)
  SEGMENT_NOT_FOUND: system(600),
  // index (700-799)
  INDEX_NOT_FOUND: input(700),
  INDEX_NOT_SUPPORTED: input(701),
  INDEX_DUPLICATE: input(702),
  // database (800-899)
  DATABASE_NOT_FOUND: input(800),
  DATABASE_NUM_LIMIT_EXCEEDED: input(801),
  DATABASE_INVALID_NAME: input(802),
  // 803+: Vesper's own
  DATABASE_ALREADY_EXISTS: input(803),
  DATABASE_NOT_EMPTY: input(804),
  // IO (1000-1099)
  IO_FAILED: system(1000, true),
  IO_KEY_NOT_FOUND: system(1001),
  IO_UNEXPECTED_EOF: system(1002),
  // parameters (1100-1199)
  PARAMETER_INVALID: input(1100),
  PARAMETER_MISSING: input(1101),
  PARAMETER_TOO_LARGE: input(1102),
  // metrics (1200-1299)
  METRIC_NOT_FOUND: input(1200),
  // privilege (1400-1499)
  PRIVILEGE_NOT_AUTHENTICATED: input(1400, 401),
  PRIVILEGE_NOT_PERMITTED: input(1401, 403),
  // alias (1600-1699)
  ALIAS_NOT_FOUND: input(1600),
  ALIAS_COLLECTION_NAME_CONFLICT: input(1601),
  ALIAS_ALREADY_EXISTS: input(1602),
  // field (1700-1799)
  FIELD_NOT_FOUND: input(1700),
  FIELD_INVALID_NAME: input(1701),
  // REST layer (1800-1899), as Milvus's HTTP server numbers them
  NEED_AUTHENTICATE: input(1800, 401),
  INCORRECT_PARAMETER_FORMAT: input(1801),
  MISSING_REQUIRED_PARAMETERS: input(1802),
  INVALID_INSERT_DATA: input(1804),
  INVALID_SEARCH_RESULT: system(1805),
  CHECK_PRIMARY_KEY: input(1806),
  HTTP_RATE_LIMIT: system(1807, true, 200),
  // storage format (2000-2099): a file we cannot read
  FORMAT_UNSUPPORTED: system(2001),
  FORMAT_CORRUPT: system(2002),
  // write conflicts on commit (compare-and-set lost)
  COMMIT_CONFLICT: system(2100, true),
  // requests
  CANCELLED: input(2200),
  TIMEOUT: system(10001, true, 408),
  UNDEFINED: system(65535),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ErrorCodes;

const byCode = new Map<number, ErrorName>();
for (const [name, spec] of Object.entries(ErrorCodes) as [ErrorName, ErrorSpec][]) {
  if (!byCode.has(spec.code)) byCode.set(spec.code, name);
}

/** The catalog name for a numeric code (first name wins where two share a number). */
export function errorNameOf(code: number): ErrorName {
  return byCode.get(code) ?? 'UNDEFINED';
}
