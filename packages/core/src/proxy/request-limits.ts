/**
 * Cost limits of search and query requests, checked in request preparation — before any
 * vector is converted, any segment read or any row materialized — so Node, the browser and
 * the edge refuse the same requests with the same code (1100) and a message naming the limit.
 * Numbers are Milvus's defaults (pkg/util/paramtable/quota_param.go):
 *   quotaAndLimits.limits.topK                 16384   (search limit + offset)
 *   quotaAndLimits.limits.nq                   16384   (query vectors per search)
 *   quotaAndLimits.limits.maxQueryResultWindow 16384   (query limit + offset)
 *   quotaAndLimits.limits.maxOutputSize        100 MiB (one answer's rows; query/output-limit.ts)
 * Filter expressions have their own limits (expr/limits.ts). docs/HARDENING.md "Limits".
 */
import { VesperError } from '../errors/index.ts';
import { MAX_OUTPUT_BYTES } from '../query/output-limit.ts';

export { checkOutputSize } from '../query/output-limit.ts';

export const REQUEST_LIMITS = {
  maxTopK: 16384,
  maxNq: 16384,
  maxQueryResultWindow: 16384,
  maxOutputBytes: MAX_OUTPUT_BYTES,
} as const;

/**
 * Refuses more than maxNq query vectors, before any is converted.
 * @throws VesperError PARAMETER_INVALID (1100).
 */
export function checkNq(nq: number): void {
  if (nq > REQUEST_LIMITS.maxNq) {
    throw new VesperError('PARAMETER_INVALID', `nq (number of search vectors) should be in range [1, ${REQUEST_LIMITS.maxNq}], but got ${nq}`);
  }
}
