/**
 * The PQ codebooks in the layout of the WASM distance-table kernel (assembly/pq.ts), made
 * once when an IVF_PQ index opens: four codewords side by side so one SIMD accumulation
 * fills four table entries without horizontal sums.
 */

/**
 * The codebooks (file layout: sub-space j, codeword c at cb[(j*ksub + c)*dsub]) in the layout
 * of the WASM table kernel (kernels/assembly/pq.ts): per sub-space, groups of four codewords,
 * component by component, four lanes each; codewords past ksub (up to kp) are zero.
 */
export function transposeCodebooks(cb: Float32Array, m: number, ksub: number, dsub: number, kp: number): Float32Array {
  const out = new Float32Array(m * kp * dsub);
  const groups = kp / 4;
  for (let j = 0; j < m; j++) {
    for (let c = 0; c < ksub; c++) {
      const g = c >> 2;
      for (let d = 0; d < dsub; d++) out[((j * groups + g) * dsub + d) * 4 + (c & 3)] = cb[(j * ksub + c) * dsub + d]!;
    }
  }
  return out;
}
