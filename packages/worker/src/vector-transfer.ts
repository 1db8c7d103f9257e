/**
 * Zero-copy hand-off of vector batches: the ArrayBuffers behind the typed arrays of a request
 * (Float32Array rows of an insert, query vectors of a search), for postMessage's transfer
 * list. Transferring detaches them on the sending side, so callers opt in.
 */

const MAX_DEPTH = 4;

/** Distinct, transferable ArrayBuffers of the typed arrays in value (arrays and plain objects, 4 levels deep). */
export function vectorBuffers(value: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  collect(value, 0, found);
  return [...found];
}

function collect(value: unknown, depth: number, found: Set<ArrayBuffer>): void {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return;
  if (ArrayBuffer.isView(value)) {
    if (!(value instanceof DataView) && value.buffer instanceof ArrayBuffer && value.buffer.byteLength > 0) found.add(value.buffer);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collect(item, depth + 1, found);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) collect(item, depth + 1, found);
  }
}
