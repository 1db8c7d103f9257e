/* eslint-disable */
// @ts-nocheck -- AssemblyScript source: compiled by asc (scripts/build-wasm.mjs), not by tsc.
/**
 * HNSW graph kernels (hnswlib's HierarchicalNSW, which knowhere wraps): insert one node,
 * search one query. All state lives in linear memory described by a context block of i32
 * fields (offsets below, mirrored by ../../index/hnsw-index.ts), so several indexes share one
 * instance. Level 0 is one contiguous arena; each node's record is
 *   [i32 count][M0 x i32 neighbours][dim x f32 vector]
 * so a hop reads the neighbour list and then vectors that sit beside their own lists.
 * Upper levels live in a second block: node u's levels 1..L at upper + upOff[u], each
 * [i32 count][M x i32]. Levels are u8 per node, chosen by the caller (seeded) before insert.
 * The visited set is a u16 epoch per node (hnswlib's tag array: half the cache footprint of
 * u32; cleared once every 65535 searches). Internal distances: L2 = squared L2, IP = -dot.
 * HNSW_SQ (F_KIND != 0) keeps the same records with dim u8 SQ8 codes in place of the f32
 * vector (a quarter of the bytes per hop); hnswSearchSq8 traverses on codes and re-ranks the
 * beam with the f32 vectors kept in a separate block (F_FVEC). The graph is built as float HNSW.
 */
import { l2sq, dot, sq8l2i, sq8dot } from './distance';
import { maxPush, maxOffer, minPush, minPop, maxDrainSorted } from './heap';

const F_DIM = 0;
const F_METRIC = 4;
const F_M = 8;
const F_M0 = 12;
const F_EFC = 16;
const F_N = 20;
const F_ENTRY = 24;
const F_MAXLEVEL = 28;
const F_STRIDE0 = 32;
const F_L0 = 36;
const F_LEVELS = 40;
const F_UPOFF = 44;
const F_UPPER = 48;
const F_VISITED = 52;
const F_EPOCH = 56;
const F_CAND = 60;
const F_RES = 64;
const F_SCRATCH = 68;
const F_CAP = 72;
// HNSW_SQ (hnswSearchSq8): level-0 records hold SQ8 codes instead of f32 vectors; traversal
// distances are written out at each use (kind 0: f32, 1: sq8l2i, 2: -sq8dot) so they inline
const F_KIND = 76; // 0 f32 vectors; 1 SQ8 codes, L2; 2 SQ8 codes, IP / COSINE
const F_FVEC = 80; // f32 vectors, count x dim, for re-ranking
const F_VMIN = 84; // f32 per-dimension minimum of the codebook
const F_INVSCALE = 88; // f32, 1 / the codebook's one step size
const F_QBUF = 92; // dim x i16 query codes

function fld(ctx: usize, off: i32): i32 {
  return load<i32>(ctx + <usize>off);
}

function distance(metric: i32, a: usize, b: usize, dim: i32): f32 {
  return metric == 0 ? l2sq(a, b, dim) : -dot(a, b, dim);
}

function allowed(allow: usize, row: i32): bool {
  if (allow == 0) return true;
  return ((load<u32>(allow + ((<usize>(row >>> 5)) << 2)) >>> (<u32>row & 31)) & 1) != 0;
}

function vecOf(ctx: usize, node: i32): usize {
  return <usize>fld(ctx, F_L0) + <usize>node * <usize>fld(ctx, F_STRIDE0) + ((<usize>(fld(ctx, F_M0) + 1)) << 2);
}

function linksOf(ctx: usize, node: i32, level: i32): usize {
  if (level == 0) return <usize>fld(ctx, F_L0) + <usize>node * <usize>fld(ctx, F_STRIDE0);
  const off = load<u32>(<usize>fld(ctx, F_UPOFF) + ((<usize>node) << 2));
  return <usize>fld(ctx, F_UPPER) + <usize>off + <usize>(level - 1) * ((<usize>(fld(ctx, F_M) + 1)) << 2);
}

function nextEpoch(ctx: usize): u32 {
  let e = (<u32>fld(ctx, F_EPOCH) + 1) & 0xffff;
  if (e == 0) {
    memory.fill(<usize>fld(ctx, F_VISITED), 0, (<usize>fld(ctx, F_CAP)) << 1);
    e = 1;
  }
  store<u32>(ctx + F_EPOCH, e);
  return e;
}

/** Unvisited neighbours of the node being expanded (M0 ≤ 4096 ids). */
const NBUF: usize = memory.data(4 * 4096, 16);
/** Sink for the touch loads in searchLayer, so they are not optimized away. */
let gSink: u32 = 0;

let gEp: i32 = 0;
let gEpD: f32 = 0;

/** Greedy descent from level `from` down to level `to` (exclusive); result in gEp/gEpD. */
function greedy(ctx: usize, q: usize, ep: i32, epD: f32, from: i32, to: i32): void {
  const metric = fld(ctx, F_METRIC);
  const dim = fld(ctx, F_DIM);
  const kind = fld(ctx, F_KIND);
  for (let l = from; l > to; l--) {
    let changed = true;
    while (changed) {
      changed = false;
      const lp = linksOf(ctx, ep, l);
      const cnt = load<i32>(lp);
      for (let j: i32 = 0; j < cnt; j++) {
        const nb = load<i32>(lp + 4 + ((<usize>j) << 2));
        const vp = vecOf(ctx, nb);
        const d = kind == 0 ? distance(metric, q, vp, dim) : kind == 1 ? sq8l2i(q, vp, dim) : -sq8dot(q, vp, dim);
        if (d < epD) {
          epD = d;
          ep = nb;
          changed = true;
        }
      }
    }
  }
  gEp = ep;
  gEpD = epD;
}

/** Beam search on one level; leaves up to ef results in the F_RES max-heap, returns its size. */
function searchLayer(ctx: usize, q: usize, ep: i32, epD: f32, ef: i32, level: i32, allow: usize): i32 {
  const metric = fld(ctx, F_METRIC);
  const dim = fld(ctx, F_DIM);
  const visited = <usize>fld(ctx, F_VISITED);
  const cand = <usize>fld(ctx, F_CAND);
  const res = <usize>fld(ctx, F_RES);
  const l0 = <usize>fld(ctx, F_L0);
  const stride0 = <usize>fld(ctx, F_STRIDE0);
  const vecOff = (<usize>(fld(ctx, F_M0) + 1)) << 2;
  const kind = fld(ctx, F_KIND);
  const epoch = nextEpoch(ctx);
  store<u16>(visited + ((<usize>ep) << 1), epoch);
  let cs = minPush(cand, 0, epD, ep);
  let rs: i32 = 0;
  let lower: f32 = Infinity;
  if (allowed(allow, ep)) {
    rs = maxPush(res, 0, epD, ep);
    lower = epD;
  }
  while (cs > 0) {
    const cd = load<f32>(cand);
    const c = load<i32>(cand, 4);
    if (cd > lower && (rs >= ef || allow == 0)) break;
    cs = minPop(cand, cs);
    const lp = level == 0 ? l0 + <usize>c * stride0 : linksOf(ctx, c, level);
    const cnt = load<i32>(lp);
    // pass 1: unvisited neighbours into NBUF, touching the head of each vector so the
    // cache misses of the whole neighbourhood overlap (WASM has no prefetch instruction)
    let m: i32 = 0;
    let touch: u32 = 0;
    for (let j: i32 = 0; j < cnt; j++) {
      const nb = load<i32>(lp + 4 + ((<usize>j) << 2));
      const vp = visited + ((<usize>nb) << 1);
      if (<u32>load<u16>(vp) == epoch) continue;
      store<u16>(vp, epoch);
      store<i32>(NBUF + ((<usize>m) << 2), nb);
      touch ^= load<u32>(l0 + <usize>nb * stride0 + vecOff);
      m++;
    }
    gSink ^= touch;
    // pass 2: distances
    const vbytes = kind == 0 ? (<usize>dim) << 2 : <usize>dim;
    for (let j: i32 = 0; j < m; j++) {
      const nb = load<i32>(NBUF + ((<usize>j) << 2));
      if (j + 1 < m) {
        // touch every cache line of the next vector while this one is computed
        const nv = l0 + <usize>load<i32>(NBUF + ((<usize>(j + 1)) << 2)) * stride0 + vecOff;
        let t: u32 = 0;
        for (let o: usize = 64; o < vbytes; o += 64) t ^= load<u32>(nv + o);
        gSink ^= t;
      }
      const vp = l0 + <usize>nb * stride0 + vecOff;
      const d = kind == 0 ? distance(metric, q, vp, dim) : kind == 1 ? sq8l2i(q, vp, dim) : -sq8dot(q, vp, dim);
      if (rs < ef || d < lower) {
        cs = minPush(cand, cs, d, nb);
        if (allowed(allow, nb)) {
          rs = maxOffer(res, rs, ef, d, nb);
          lower = load<f32>(res);
        }
      }
    }
    // touch the neighbour list the next iteration will expand (hnswlib prefetches it)
    if (level == 0 && cs > 0) {
      const np = l0 + <usize>load<i32>(cand, 4) * stride0;
      gSink ^= load<u32>(np) ^ load<u32>(np + 64);
    }
  }
  return rs;
}

/** hnswlib's getNeighborsByHeuristic2 over ascending (d, id) entries; writes to out. */
function selectHeuristic(ctx: usize, cands: usize, n: i32, maxM: i32, out: usize): i32 {
  if (n <= maxM) {
    memory.copy(out, cands, (<usize>n) << 3);
    return n;
  }
  const metric = fld(ctx, F_METRIC);
  const dim = fld(ctx, F_DIM);
  let cnt: i32 = 0;
  for (let i: i32 = 0; i < n && cnt < maxM; i++) {
    const cp = cands + ((<usize>i) << 3);
    const d = load<f32>(cp);
    const id = load<i32>(cp, 4);
    const v = vecOf(ctx, id);
    let good = true;
    for (let j: i32 = 0; j < cnt; j++) {
      const s = load<i32>(out + ((<usize>j) << 3), 4);
      if (distance(metric, v, vecOf(ctx, s), dim) < d) {
        good = false;
        break;
      }
    }
    if (good) {
      const op = out + ((<usize>cnt) << 3);
      store<f32>(op, d);
      store<i32>(op, id, 4);
      cnt++;
    }
  }
  return cnt;
}

function addLink(ctx: usize, s: i32, node: i32, d: f32, level: i32): void {
  const mmax = level == 0 ? fld(ctx, F_M0) : fld(ctx, F_M);
  const lp = linksOf(ctx, s, level);
  const c = load<i32>(lp);
  if (c < mmax) {
    store<i32>(lp + 4 + ((<usize>c) << 2), node);
    store<i32>(lp, c + 1);
    return;
  }
  const metric = fld(ctx, F_METRIC);
  const dim = fld(ctx, F_DIM);
  const m0 = <usize>fld(ctx, F_M0);
  const efc = <usize>fld(ctx, F_EFC);
  const tmp = <usize>fld(ctx, F_SCRATCH) + ((efc + 1) << 3) + ((m0 + 1) << 3);
  const tmpSel = tmp + ((m0 + 2) << 3);
  const vs = vecOf(ctx, s);
  // insertion sort of the c + 1 candidates by distance to s
  let n: i32 = 0;
  for (let j: i32 = -1; j < c; j++) {
    const id = j < 0 ? node : load<i32>(lp + 4 + ((<usize>j) << 2));
    const dd = j < 0 ? d : distance(metric, vs, vecOf(ctx, id), dim);
    let i = n;
    while (i > 0 && load<f32>(tmp + ((<usize>(i - 1)) << 3)) > dd) {
      const src = tmp + ((<usize>(i - 1)) << 3);
      store<u64>(src + 8, load<u64>(src));
      i--;
    }
    const dst = tmp + ((<usize>i) << 3);
    store<f32>(dst, dd);
    store<i32>(dst, id, 4);
    n++;
  }
  const cnt = selectHeuristic(ctx, tmp, n, mmax, tmpSel);
  for (let j: i32 = 0; j < cnt; j++) store<i32>(lp + 4 + ((<usize>j) << 2), load<i32>(tmpSel + ((<usize>j) << 3), 4));
  store<i32>(lp, cnt);
}

/** Inserts `node` (its vector and level already written). Nodes are inserted 0, 1, 2, ... */
export function hnswInsert(ctx: usize, node: i32): void {
  const metric = fld(ctx, F_METRIC);
  const dim = fld(ctx, F_DIM);
  const level = <i32>load<u8>(<usize>fld(ctx, F_LEVELS) + <usize>node);
  const q = vecOf(ctx, node);
  const n = fld(ctx, F_N);
  if (n == 0) {
    store<i32>(ctx + F_ENTRY, node);
    store<i32>(ctx + F_MAXLEVEL, level);
    store<i32>(ctx + F_N, 1);
    return;
  }
  const maxL = fld(ctx, F_MAXLEVEL);
  const entry = fld(ctx, F_ENTRY);
  greedy(ctx, q, entry, distance(metric, q, vecOf(ctx, entry), dim), maxL, level);
  let ep = gEp;
  let epD = gEpD;
  const m = fld(ctx, F_M);
  const res = <usize>fld(ctx, F_RES);
  const sel = <usize>fld(ctx, F_SCRATCH) + ((<usize>(fld(ctx, F_EFC) + 1)) << 3);
  for (let l = level < maxL ? level : maxL; l >= 0; l--) {
    const rs = searchLayer(ctx, q, ep, epD, fld(ctx, F_EFC), l, 0);
    maxDrainSorted(res, rs);
    ep = load<i32>(res, 4);
    epD = load<f32>(res);
    const cnt = selectHeuristic(ctx, res, rs, m, sel);
    const lp = linksOf(ctx, node, l);
    for (let j: i32 = 0; j < cnt; j++) store<i32>(lp + 4 + ((<usize>j) << 2), load<i32>(sel + ((<usize>j) << 3), 4));
    store<i32>(lp, cnt);
    for (let j: i32 = 0; j < cnt; j++) {
      const sp = sel + ((<usize>j) << 3);
      addLink(ctx, load<i32>(sp, 4), node, load<f32>(sp), l);
    }
  }
  if (level > maxL) {
    store<i32>(ctx + F_ENTRY, node);
    store<i32>(ctx + F_MAXLEVEL, level);
  }
  store<i32>(ctx + F_N, n + 1);
}

/**
 * k nearest (internal distances, ascending) of query q with beam width max(ef, k), only rows
 * whose allow bit is set (allow = 0: all). Writes outRows/outDists; returns the count.
 */
export function hnswSearch(ctx: usize, q: usize, k: i32, ef: i32, allow: usize, outRows: usize, outDists: usize): i32 {
  const n = fld(ctx, F_N);
  if (n == 0 || k <= 0) return 0;
  const metric = fld(ctx, F_METRIC);
  const dim = fld(ctx, F_DIM);
  const entry = fld(ctx, F_ENTRY);
  greedy(ctx, q, entry, distance(metric, q, vecOf(ctx, entry), dim), fld(ctx, F_MAXLEVEL), 0);
  const w = ef > k ? ef : k;
  const rs = searchLayer(ctx, q, gEp, gEpD, w, 0, allow);
  const res = <usize>fld(ctx, F_RES);
  maxDrainSorted(res, rs);
  const cnt = rs < k ? rs : k;
  for (let i: i32 = 0; i < cnt; i++) {
    const p = res + ((<usize>i) << 3);
    store<i32>(outRows + ((<usize>i) << 2), load<i32>(p, 4));
    store<f32>(outDists + ((<usize>i) << 2), load<f32>(p));
  }
  return cnt;
}

/**
 * HNSW_SQ search: traverses with SQ8 distances (beam max(ef, k)), then re-ranks the best
 * max(refine, k) beam entries with exact f32 distances and returns the k nearest of those
 * (internal distances, ascending). q is the f32 query (normalized for COSINE).
 */
export function hnswSearchSq8(
  ctx: usize, q: usize, k: i32, ef: i32, refine: i32, allow: usize, outRows: usize, outDists: usize,
): i32 {
  const n = fld(ctx, F_N);
  if (n == 0 || k <= 0) return 0;
  const kind = fld(ctx, F_KIND);
  const metric = fld(ctx, F_METRIC);
  const dim = fld(ctx, F_DIM);
  let tq = q;
  if (kind == 1) {
    // the query's codes on the rows' grid (i16; clamped so |qc - code| <= 511)
    tq = <usize>fld(ctx, F_QBUF);
    const vmin = <usize>fld(ctx, F_VMIN);
    const inv = load<f32>(ctx + F_INVSCALE);
    for (let i: i32 = 0; i < dim; i++) {
      const o = (<usize>i) << 2;
      let c = nearest<f32>((load<f32>(q + o) - load<f32>(vmin + o)) * inv);
      c = c < -256 ? -256 : c > 511 ? 511 : c;
      store<i16>(tq + ((<usize>i) << 1), <i16><i32>c);
    }
  }
  const entry = fld(ctx, F_ENTRY);
  const ev = vecOf(ctx, entry);
  const ed = kind == 0 ? distance(metric, tq, ev, dim) : kind == 1 ? sq8l2i(tq, ev, dim) : -sq8dot(tq, ev, dim);
  greedy(ctx, tq, entry, ed, fld(ctx, F_MAXLEVEL), 0);
  const w = ef > k ? ef : k;
  const rs = searchLayer(ctx, tq, gEp, gEpD, w, 0, allow);
  const res = <usize>fld(ctx, F_RES);
  maxDrainSorted(res, rs);
  let r = refine > k ? refine : k;
  if (r > rs) r = rs;
  const fvec = <usize>fld(ctx, F_FVEC);
  const vb = (<usize>dim) << 2;
  // touch the head of every vector to re-rank so their misses overlap
  let t: u32 = 0;
  for (let i: i32 = 0; i < r; i++) t ^= load<u32>(fvec + <usize>load<i32>(res + ((<usize>i) << 3), 4) * vb);
  gSink ^= t;
  const heap = <usize>fld(ctx, F_CAND);
  let hs: i32 = 0;
  for (let i: i32 = 0; i < r; i++) {
    const id = load<i32>(res + ((<usize>i) << 3), 4);
    hs = maxOffer(heap, hs, k, distance(metric, q, fvec + <usize>id * vb, dim), id);
  }
  maxDrainSorted(heap, hs);
  for (let i: i32 = 0; i < hs; i++) {
    const p = heap + ((<usize>i) << 3);
    store<i32>(outRows + ((<usize>i) << 2), load<i32>(p, 4));
    store<f32>(outDists + ((<usize>i) << 2), load<f32>(p));
  }
  return hs;
}
