/**
 * The page's shared state: the backend in use, the current collection, and a write counter
 * that invalidates what was computed from the old rows (the exact-search truth). Panels read
 * and change it only through these functions, and listen for `changed` to redraw.
 */
import type { Backend, CollectionInfo, Row } from './backend/backend.ts';
import { exactTopK } from './data/exact.ts';

/** Exact search fetches every row's vector; above this the page does not measure recall. */
export const TRUTH_MAX_ROWS = 16_384;

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

  /** The exact top-k ids for q among the rows matching filter. */
  async exact(q: readonly number[], k: number, filter: string): Promise<unknown[]> {
    const c = this.collection!;
    const t = await this.truthRows(filter);
    return exactTopK(c.index?.metric ?? 'COSINE', q, t.vectors, k).map((i) => t.ids[i]);
  }
}

/** The search parameter an index type takes, and the values a sweep tries. */
export function searchParamOf(indexType: string | undefined): { name: 'ef' | 'nprobe'; sweep: number[] } | undefined {
  if (indexType === 'HNSW' || indexType === 'HNSW_SQ') return { name: 'ef', sweep: [10, 16, 24, 40, 64, 128] };
  if (indexType === 'IVF_FLAT' || indexType === 'IVF_SQ8') return { name: 'nprobe', sweep: [1, 2, 4, 8, 16, 32] };
  return undefined;
}
