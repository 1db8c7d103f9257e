/**
 * The output-size limit of one answer (Milvus's quotaAndLimits.limits.maxOutputSize, 100 MiB):
 * an answer of n rows is estimated from its output plan and refused before its rows are
 * materialized. Used by search preparation (nq × window rows) and by every holder of
 * segments answering a query (its matching rows), so no runtime builds an unbounded answer.
 */
import { VesperError } from '../errors/index.ts';
import type { OutputPlan } from './output.ts';
import { estimatedRowBytes } from '../segments/row-bytes.ts';

export const MAX_OUTPUT_BYTES = 100 * 1024 * 1024;

/** Estimated bytes of one answered row of `plan`: its fields, 48 for lifted dynamic keys, 16 for key and score. */
export function outputRowBytes(plan: OutputPlan): number {
  let bytes = rowBytes.get(plan);
  if (bytes === undefined) rowBytes.set(plan, (bytes = estimate(plan)));
  return bytes;
}

/** Per output plan (plans are cached and shared: query/output.ts). */
const rowBytes = new WeakMap<OutputPlan, number>();

function estimate(plan: OutputPlan): number {
  const dynamic = plan.dynamicKeys === undefined ? 0 : plan.dynamicKeys === 'all' ? 48 : 48 * plan.dynamicKeys.length;
  return estimatedRowBytes({ name: '', description: '', enable_dynamic_field: false, fields: [...plan.fields] }) + dynamic;
}

/**
 * Refuses an answer of `rows` rows of `plan` larger than MAX_OUTPUT_BYTES, before it is built.
 * @throws VesperError PARAMETER_INVALID (1100) naming the limit and the estimate.
 */
export function checkOutputSize(what: 'search' | 'query', rows: number, plan: OutputPlan): void {
  const per = outputRowBytes(plan);
  if (rows * per > MAX_OUTPUT_BYTES) {
    throw new VesperError(
      'PARAMETER_INVALID',
      `${what} results exceed the maxOutputSize limit of ${MAX_OUTPUT_BYTES} bytes: ${rows} rows of ~${per} bytes; ask for fewer rows, fewer queries or fewer output fields`,
    );
  }
}
