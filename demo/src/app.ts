/**
 * The page's shared state: the backend in use, the current collection, and a write counter
 * that invalidates what was computed from the old rows (the exact-search truth). Panels read
 * and change it only through these functions, and listen for `changed` to redraw.
 */
import type { Backend, CollectionInfo, Row } from './backend/backend.ts';
import { exactTopK, StreamingTopK } from './data/exact.ts';

/**
 * Up to this many rows, exact search fetches every row's vector in one query (the query window)
 * and keeps them until a write; above it, each exact search scans the collection batch by batch
 * (SCAN_BATCH rows at a time) and keeps only each query's k best.
 */
export const TRUTH_MAX_ROWS = 16_384;
const SCAN_BATCH = { browser: 16_384, edge: 4_096, replica: 16_384 } as const;

type Listener = () => void;

export class App {
  collection: CollectionInfo | undefined;
  names: string[] = [];
  private writes = 0;
  private truth = new Map<string, Promise<{ ids: unknown[]; vectors: number[][] }>>();
  private listeners: Listener[] = [];

  constructor(public backend: Backend) {}

  onChange(l: Listener): void {
    this.listeners.push(l);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  /** Switches to another backend (the caller closed the old one) and selects nothing. */
  setBackend(b: Backend): void {
    this.backend = b;
    this.collection = undefined;
    this.writes++;
    this.truth.clear();
  }

  /** Describes the collection again (row counts, index progress) and redraws. */
  async select(name: string | undefined): Promise<void> {
    this.collection = name === undefined ? undefined : await this.backend.describe(name);
    this.emit();
  }

  /** Lists the collections again and selects `name` (or keeps the current one). */
  async refresh(name?: string): Promise<void> {
    const names = await this.backend.listCollections();
    this.names = names;
    const pick = name ?? (this.collection && names.includes(this.collection.name) ? this.collection.name : names[0]);
    if (pick !== undefined) await this.backend.load(pick);
    await this.select(pick);
  }

  /** Call after any write: forgets the exact-search truth and re-describes the collection. */
  async written(): Promise<void> {
    this.writes++;
    this.truth.clear();
    if (this.collection) await this.select(this.collection.name);
  }

  /** Every row matching filter (primary key and vector), for exact search; cached until a write. */
  truthRows(filter: string): Promise<{ ids: unknown[]; vectors: number[][] }> {
    const c = this.collection;
    if (c === undefined) return Promise.reject(new Error('no collection selected'));
    const key = `${this.writes}\u0000${c.name}\u0000${filter}`;
    let p = this.truth.get(key);
    if (p === undefined) {
      p = (async () => {
        if (c.rows > TRUTH_MAX_ROWS) throw new Error(`recall needs exact search over every vector; this collection has ${c.rows} rows (the page does it up to ${TRUTH_MAX_ROWS})`);
        const res = await this.backend.query(c.name, { filter, offset: 0, limit: TRUTH_MAX_ROWS, outputFields: [c.pk, c.vectorField], consistency: 'Strong' });
        return { ids: res.value.map((r: Row) => r[c.pk]), vectors: res.value.map((r: Row) => Array.from(r[c.vectorField] as ArrayLike<number>)) };
      })();
      p.catch(() => this.truth.delete(key));
      this.truth.set(key, p);
    }
    return p;
  }

  /**
   * The exact top-k ids of each query among the rows matching filter: from the cached rows of
   * a small collection, else by one scan of the whole collection for all the queries at once
   * (progress on the status line through onScan).
   */
  async exactMany(qs: readonly (readonly number[])[], k: number, filter: string, onScan?: (rows: number, total: number) => void): Promise<unknown[][]> {
    const c = this.collection;
    if (c === undefined) throw new Error('no collection selected');
    const metric = c.index?.metric ?? 'COSINE';
    if (c.rows <= TRUTH_MAX_ROWS) {
      const t = await this.truthRows(filter);
      return qs.map((q) => exactTopK(metric, q, t.vectors, k).map((i) => t.ids[i]));
    }
    const top = new StreamingTopK(metric, qs, k);
    for await (const batch of this.backend.scan(c.name, { filter, outputFields: [c.pk, c.vectorField], batchSize: SCAN_BATCH[this.backend.kind] })) {
      top.add(batch.map((r) => r[c.pk]), batch.map((r) => r[c.vectorField] as ArrayLike<number>));
      onScan?.(top.seen, c.rows);
    }
    return top.result();
  }

  /** Up to n rows' vectors spread over the collection's first query window (sweep queries). */
  async sampleVectors(n: number): Promise<number[][]> {
    const c = this.collection!;
    const limit = Math.min(TRUTH_MAX_ROWS, Math.max(c.rows, 1));
    const res = await this.backend.query(c.name, { filter: '', offset: 0, limit, outputFields: [c.vectorField], consistency: 'Strong' });
    const step = Math.max(1, Math.floor(res.value.length / n));
    return res.value.filter((_, i) => i % step === 0).slice(0, n).map((r) => Array.from(r[c.vectorField] as ArrayLike<number>));
  }
}

/**
 * The search parameter an index type takes, and the values a sweep tries. IVF_PQ also takes
 * `refine_k` (how many times k candidates of the code scan are re-ranked with the full-precision
 * vectors it reads by range): held at the value chosen in the search panel during a sweep.
 */
export function searchParamOf(indexType: string | undefined): { name: 'ef' | 'nprobe'; sweep: number[]; refine: boolean } | undefined {
  if (indexType === 'HNSW' || indexType === 'HNSW_SQ') return { name: 'ef', sweep: [10, 16, 24, 40, 64, 128], refine: false };
  if (indexType === 'IVF_FLAT' || indexType === 'IVF_SQ8') return { name: 'nprobe', sweep: [1, 2, 4, 8, 16, 32], refine: false };
  if (indexType === 'IVF_PQ') return { name: 'nprobe', sweep: [1, 2, 4, 8, 16, 32, 64], refine: true };
  return undefined;
}
