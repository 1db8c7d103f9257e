/** The exact answer a grouping search must give, computed from the rows (oracle for grouping tests in every runtime). */

export interface GroupedRow {
  readonly id: number;
  readonly g: number;
  readonly v: readonly number[];
}

/** Exact grouped L2 search: the best `groups` groups by their best row, each with its `size` best rows (ties by id). */
export function groupedOracle(rows: readonly GroupedRow[], q: readonly number[], groups: number, size: number): Map<number, number[]> {
  const d = (v: readonly number[]) => v.reduce((s, x, i) => s + (Math.fround(x) - Math.fround(q[i]!)) ** 2, 0);
  const sorted = rows.map((r) => ({ id: r.id, g: r.g, d: d(r.v) })).sort((a, b) => a.d - b.d || a.id - b.id);
  const out = new Map<number, number[]>();
  for (const r of sorted) {
    let b = out.get(r.g);
    if (!b) {
      if (out.size >= groups) continue;
      out.set(r.g, (b = []));
    }
    if (b.length < size) b.push(r.id);
  }
  return out;
}
