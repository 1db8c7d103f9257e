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

/** A view smaller than this share of its buffer is copied before it crosses (see compactViews). */
const SPAN_SHARE = 0.5;
/** Buffers up to this size cross as they are (cloning a small buffer costs less than walking it twice). */
const SMALL_BUFFER = 64 * 1024;

/**
 * value, with every typed array that views a small part of a large buffer (a query row taken
 * with `subarray` from a whole dataset) replaced by a copy of just its bytes: postMessage
 * clones — or transfers — a view's whole buffer, so a 1.5 KB query cut from a 150 MB array
 * would cross as 150 MB (and, transferred, detach the caller's dataset). Arrays and plain
 * objects are copied only along the path to a replaced view; otherwise value itself is returned.
 */
export function compactViews(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (ArrayBuffer.isView(value)) {
    if (value instanceof DataView || !(value.buffer instanceof ArrayBuffer)) return value;
    const big = value.buffer.byteLength > SMALL_BUFFER && value.byteLength < value.buffer.byteLength * SPAN_SHARE;
    return big ? (value as unknown as { slice(): unknown }).slice() : value;
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = compactViews(value[i], depth + 1);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return out ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  // every call's request passes here: walk its keys without allocating an entries array
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k in obj) {
    const item = obj[k];
    const v = compactViews(item, depth + 1);
    if (v !== item) (out ??= { ...obj })[k] = v;
  }
  return out ?? value;
}
