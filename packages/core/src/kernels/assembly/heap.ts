/* eslint-disable */
// @ts-nocheck -- AssemblyScript source: compiled by asc (scripts/build-wasm.mjs), not by tsc.
/**
 * Fixed-capacity binary heaps of (f32 distance, i32 id) pairs in linear memory, 8 bytes an
 * entry (distance at +0, id at +4). The caller owns the memory and the size; functions return
 * the new size. Max-heaps keep the current k best (worst on top); min-heaps order candidates.
 * Distances are "internal": smaller is closer for every metric.
 */

export function maxPush(h: usize, size: i32, d: f32, id: i32): i32 {
  let i = size;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pp = h + ((<usize>p) << 3);
    const pd = load<f32>(pp);
    if (pd >= d) break;
    const ip = h + ((<usize>i) << 3);
    store<f32>(ip, pd);
    store<i32>(ip, load<i32>(pp, 4), 4);
    i = p;
  }
  const ip = h + ((<usize>i) << 3);
  store<f32>(ip, d);
  store<i32>(ip, id, 4);
  return size + 1;
}

/** Removes the top (largest) entry. */
export function maxPop(h: usize, size: i32): i32 {
  const n = size - 1;
  if (n <= 0) return 0;
  const last = h + ((<usize>n) << 3);
  const d = load<f32>(last);
  const id = load<i32>(last, 4);
  let i = 0;
  while (true) {
    let c = 2 * i + 1;
    if (c >= n) break;
    let cp = h + ((<usize>c) << 3);
    let cd = load<f32>(cp);
    if (c + 1 < n) {
      const rp = cp + 8;
      const rd = load<f32>(rp);
      if (rd > cd) { c++; cp = rp; cd = rd; }
    }
    if (cd <= d) break;
    const ip = h + ((<usize>i) << 3);
    store<f32>(ip, cd);
    store<i32>(ip, load<i32>(cp, 4), 4);
    i = c;
  }
  const ip = h + ((<usize>i) << 3);
  store<f32>(ip, d);
  store<i32>(ip, id, 4);
  return n;
}

/** Replaces the top (largest) entry of a non-empty max-heap by (d, id): one sift-down. */
export function maxReplaceTop(h: usize, size: i32, d: f32, id: i32): void {
  let i = 0;
  while (true) {
    let c = 2 * i + 1;
    if (c >= size) break;
    let cp = h + ((<usize>c) << 3);
    let cd = load<f32>(cp);
    if (c + 1 < size) {
      const rp = cp + 8;
      const rd = load<f32>(rp);
      if (rd > cd) { c++; cp = rp; cd = rd; }
    }
    if (cd <= d) break;
    const ip = h + ((<usize>i) << 3);
    store<u64>(ip, load<u64>(cp));
    i = c;
  }
  const ip = h + ((<usize>i) << 3);
  store<f32>(ip, d);
  store<i32>(ip, id, 4);
}

/** Offers (d, id) to a max-heap holding at most k entries. */
export function maxOffer(h: usize, size: i32, k: i32, d: f32, id: i32): i32 {
  if (size < k) return maxPush(h, size, d, id);
  if (d >= load<f32>(h)) return size;
  maxReplaceTop(h, size, d, id);
  return size;
}

export function minPush(h: usize, size: i32, d: f32, id: i32): i32 {
  let i = size;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pp = h + ((<usize>p) << 3);
    const pd = load<f32>(pp);
    if (pd <= d) break;
    const ip = h + ((<usize>i) << 3);
    store<f32>(ip, pd);
    store<i32>(ip, load<i32>(pp, 4), 4);
    i = p;
  }
  const ip = h + ((<usize>i) << 3);
  store<f32>(ip, d);
  store<i32>(ip, id, 4);
  return size + 1;
}

export function minPop(h: usize, size: i32): i32 {
  const n = size - 1;
  if (n <= 0) return 0;
  const last = h + ((<usize>n) << 3);
  const d = load<f32>(last);
  const id = load<i32>(last, 4);
  let i = 0;
  while (true) {
    let c = 2 * i + 1;
    if (c >= n) break;
    let cp = h + ((<usize>c) << 3);
    let cd = load<f32>(cp);
    if (c + 1 < n) {
      const rp = cp + 8;
      const rd = load<f32>(rp);
      if (rd < cd) { c++; cp = rp; cd = rd; }
    }
    if (cd >= d) break;
    const ip = h + ((<usize>i) << 3);
    store<f32>(ip, cd);
    store<i32>(ip, load<i32>(cp, 4), 4);
    i = c;
  }
  const ip = h + ((<usize>i) << 3);
  store<f32>(ip, d);
  store<i32>(ip, id, 4);
  return n;
}

/**
 * Empties a max-heap into ascending order in place (heap sort): entry 0 becomes the closest.
 * Returns the count.
 */
export function maxDrainSorted(h: usize, size: i32): i32 {
  let n = size;
  while (n > 1) {
    const d = load<f32>(h);
    const id = load<i32>(h, 4);
    n = maxPop(h, n);
    const p = h + ((<usize>n) << 3);
    store<f32>(p, d);
    store<i32>(p, id, 4);
  }
  return size;
}

/*
 * Lexicographic max-heap: entries ordered by (distance, id), so among equal distances the
 * larger id is "worse". A scan offering every candidate keeps exactly the k smallest
 * (distance, id) pairs whatever order it visits them in (faiss's heaps break ties by id the
 * same way). Binary scans use it: HAMMING distances are small integers and tie often.
 */
function lexGreater(d1: f32, id1: i32, d2: f32, id2: i32): bool {
  return d1 > d2 || (d1 == d2 && id1 > id2);
}

function maxPushLex(h: usize, size: i32, d: f32, id: i32): i32 {
  let i = size;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pp = h + ((<usize>p) << 3);
    if (!lexGreater(d, id, load<f32>(pp), load<i32>(pp, 4))) break;
    store<u64>(h + ((<usize>i) << 3), load<u64>(pp));
    i = p;
  }
  const ip = h + ((<usize>i) << 3);
  store<f32>(ip, d);
  store<i32>(ip, id, 4);
  return size + 1;
}

/** Sifts (d, id) down from the root of a lexicographic max-heap of `size` entries. */
function siftDownLex(h: usize, size: i32, d: f32, id: i32): void {
  let i = 0;
  while (true) {
    let c = 2 * i + 1;
    if (c >= size) break;
    let cp = h + ((<usize>c) << 3);
    if (c + 1 < size) {
      const rp = cp + 8;
      if (lexGreater(load<f32>(rp), load<i32>(rp, 4), load<f32>(cp), load<i32>(cp, 4))) { c++; cp = rp; }
    }
    if (!lexGreater(load<f32>(cp), load<i32>(cp, 4), d, id)) break;
    store<u64>(h + ((<usize>i) << 3), load<u64>(cp));
    i = c;
  }
  const ip = h + ((<usize>i) << 3);
  store<f32>(ip, d);
  store<i32>(ip, id, 4);
}

/** Offers (d, id) to a lexicographic max-heap holding at most k entries. */
export function maxOfferLex(h: usize, size: i32, k: i32, d: f32, id: i32): i32 {
  if (size < k) return maxPushLex(h, size, d, id);
  if (!lexGreater(load<f32>(h), load<i32>(h, 4), d, id)) return size;
  siftDownLex(h, size, d, id);
  return size;
}

/** Empties a lexicographic max-heap into ascending (distance, id) order in place. */
export function maxDrainSortedLex(h: usize, size: i32): i32 {
  let n = size;
  while (n > 1) {
    const top = load<u64>(h);
    n--;
    const last = h + ((<usize>n) << 3);
    siftDownLex(h, n, load<f32>(last), load<i32>(last, 4));
    store<u64>(last, top);
  }
  return size;
}
