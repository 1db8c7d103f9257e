/**
 * "Edge endpoint": a Milvus REST v2 endpoint (`npm start` runs one on workerd at
 * http://127.0.0.1:8787, credential root:Milvus), over fetch. Requests are REST v2's
 * camelCase bodies; every reply is `{code, data}` with code 0 for success, else Milvus's code
 * and message. Session consistency: the endpoint returns the write's timestamp in the
 * `Vesper-Session-Ts` header and a read that sends it back sees that write.
 *
 * Timing: the page measures each call (client-side, network included); the endpoint reports
 * its own time from the request's arrival to its reply in the standard `Server-Timing`
 * header (`vesper;dur=<ms>`, exposed to cross-origin pages by its CORS headers), read here
 * as `serverMs`.
 */
import { BackendError, rerankBody, type Backend, type HybridOptions, type CollectionInfo, type CollectionSpec, type Consistency, type FieldSpec, type Hit, type Row, type SearchOptions, type Timed } from './backend.ts';
import { collectionInfo, toFieldSpec } from './describe.ts';
import { keysetScan } from './keyset-scan.ts';

const INSERT_BATCH = 100;
const SESSION_HEADER = 'Vesper-Session-Ts';

/** The `dur` of the `vesper` metric in a Server-Timing header, or undefined without one. */
export function serverTimingMs(header: string | null): number | undefined {
  for (const metric of (header ?? '').split(',')) {
    const [name, ...params] = metric.split(';').map((p) => p.trim());
    if (name !== 'vesper') continue;
    const dur = params.find((p) => p.startsWith('dur='));
    const value = dur === undefined ? NaN : Number(dur.slice(4));
    return Number.isFinite(value) ? value : undefined;
  }
  return undefined;
}

/** collections/describe's answer, as far as the demo reads it. */
interface Described {
  fields: Array<{ name: string; type: string; primaryKey?: boolean; autoId?: boolean; params?: { key: string; value: string }[] }>;
  indexes: Array<{ indexName: string; fieldName?: string }>;
}

const fieldsOf = (d: Described): FieldSpec[] => d.fields.map((f) => toFieldSpec({ name: f.name, type: f.type, primary: f.primaryKey ?? false, autoId: f.autoId ?? false, typeParams: f.params ?? [] }));

interface Reply {
  code: number;
  message?: string;
  data?: unknown;
}

export class EdgeBackend implements Backend {
  readonly kind = 'edge' as const;
  private sessionTs: string | undefined;

  constructor(
    readonly endpoint: string,
    /** The credential sent as `Authorization: Bearer` (a replica of this endpoint uses it too). */
    readonly token: string,
  ) {}

  get label(): string {
    return `edge endpoint (${this.endpoint})`;
  }

  /** One REST v2 call; throws BackendError for a non-zero code or an HTTP failure. */
  async call<T>(route: string, body: Record<string, unknown>): Promise<T> {
    return (await this.timedCall<T>(route, body)).value;
  }

  /** One REST v2 call, timed client-side and as the endpoint reports it (Server-Timing). */
  async timedCall<T>(route: string, body: Record<string, unknown>): Promise<Timed<T>> {
    const t0 = performance.now();
    let res: Response;
    try {
      res = await fetch(`${this.endpoint}/v2/vectordb/${route}`, {
        method: 'POST',
        // Int64 as strings (exact in JavaScript), as the official SDK asks by default
        headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json', 'Accept-Type-Allow-Int64': 'false', ...(this.sessionTs ? { [SESSION_HEADER]: this.sessionTs } : {}) },
        body: JSON.stringify(body),
      });
    } catch (err) {
      throw new BackendError(0, `cannot reach ${this.endpoint}: ${(err as Error).message}. Is the endpoint running (npm start)?`);
    }
    const ts = res.headers.get(SESSION_HEADER);
    if (ts !== null) this.sessionTs = ts;
    let reply: Reply;
    try {
      reply = (await res.json()) as Reply;
    } catch {
      throw new BackendError(0, `${route}: HTTP ${res.status} with a body that is not JSON`);
    }
    const clientMs = performance.now() - t0;
    if (reply.code !== 0) throw new BackendError(reply.code, reply.message ?? `HTTP ${res.status}`);
    return { value: reply.data as T, clientMs, serverMs: serverTimingMs(res.headers.get('Server-Timing')) };
  }

  /** Checks the endpoint answers with this credential (lists collections). */
  async ping(): Promise<void> {
    await this.call('collections/list', {});
  }

  async listCollections(): Promise<string[]> {
    return (await this.call<string[]>('collections/list', {})).slice().sort();
  }

  async describe(name: string): Promise<CollectionInfo> {
    const d = await this.call<Described>('collections/describe', { collectionName: name });
    return collectionInfo(name, fieldsOf(d), await this.indexOf(name, d), await this.count(name));
  }

  /**
   * The index on the collection's vector field (else its first index) as indexes/describe
   * reports it; undefined without one. A replica asks here: it copies data, not index DDL.
   */
  async indexOf(name: string, described?: Described): Promise<CollectionInfo['index']> {
    const d = described ?? (await this.call<Described>('collections/describe', { collectionName: name }));
    const vectorField = fieldsOf(d).find((f) => f.type === 'FloatVector')?.name;
    const first = d.indexes.find((i) => i.fieldName === vectorField) ?? d.indexes[0];
    if (first === undefined) return undefined;
    const [i] = await this.call<Array<{ indexType: string; metricType: string; params: Record<string, string>; indexedRows: number; totalRows: number }>>('indexes/describe', { collectionName: name, indexName: first.indexName });
    return i && { indexType: i.indexType, metric: i.metricType, params: i.params, indexedRows: i.indexedRows, totalRows: i.totalRows };
  }

  async create(spec: CollectionSpec): Promise<void> {
    const vector = spec.fields.find((f) => f.type === 'FloatVector');
    await this.call('collections/create', {
      collectionName: spec.name,
      schema: {
        autoID: false,
        enableDynamicField: false,
        fields: spec.fields.map((f) => ({
          fieldName: f.name,
          dataType: f.type,
          ...(f.primary ? { isPrimary: true, autoID: f.autoId ?? false } : {}),
          ...(f.dim !== undefined || f.maxLength !== undefined || f.analyzer ? { elementTypeParams: { ...(f.dim !== undefined ? { dim: f.dim } : {}), ...(f.maxLength !== undefined ? { max_length: f.maxLength } : {}), ...(f.analyzer ? { enable_analyzer: true } : {}) } } : {}),
        })),
        ...(spec.bm25 ? { functions: [{ name: `${spec.bm25.input}_bm25`, type: 'BM25', inputFieldNames: [spec.bm25.input], outputFieldNames: [spec.bm25.output], params: {} }] } : {}),
      },
      indexParams: [
        { fieldName: vector?.name ?? 'vector', indexName: `${vector?.name ?? 'vector'}_idx`, indexType: spec.index.indexType, metricType: spec.index.metric, params: spec.index.params },
        ...(spec.bm25 ? [{ fieldName: spec.bm25.output, indexName: `${spec.bm25.output}_idx`, indexType: 'SPARSE_INVERTED_INDEX', metricType: 'BM25', params: {} }] : []),
      ],
    });
  }

  async drop(name: string): Promise<void> {
    await this.call('collections/drop', { collectionName: name });
    this.pks.delete(name);
  }

  async load(name: string): Promise<void> {
    await this.call('collections/load', { collectionName: name });
  }

  async insert(name: string, rows: Row[], onProgress?: (done: number, total: number) => void): Promise<number> {
    let done = 0;
    for (let at = 0; at < rows.length; at += INSERT_BATCH) {
      const res = await this.call<{ insertCount: number }>('entities/insert', { collectionName: name, data: rows.slice(at, at + INSERT_BATCH).map(plain) });
      done += res.insertCount;
      onProgress?.(done, rows.length);
    }
    return done;
  }

  async upsert(name: string, rows: Row[]): Promise<number> {
    return (await this.call<{ upsertCount: number }>('entities/upsert', { collectionName: name, data: rows.map(plain) })).upsertCount;
  }

  async deleteByIds(name: string, ids: readonly unknown[]): Promise<number> {
    const info = await this.describe(name);
    const list = ids.map((id) => (typeof id === 'string' ? JSON.stringify(id) : String(id))).join(', ');
    return (await this.call<{ deleteCount: number }>('entities/delete', { collectionName: name, filter: `${info.pk} in [${list}]` })).deleteCount;
  }

  async flushAndIndex(name: string, onProgress?: (indexed: number, total: number) => void): Promise<void> {
    await this.call('collections/flush', { collectionName: name });
    const names = await this.call<string[]>('indexes/list', { collectionName: name });
    for (const indexName of names) {
      for (;;) {
        const [i] = await this.call<Array<{ indexedRows: number; totalRows: number; indexState: string }>>('indexes/describe', { collectionName: name, indexName });
        if (i === undefined) break;
        onProgress?.(i.indexedRows, i.totalRows);
        if (i.indexState === 'Finished' || i.indexedRows >= i.totalRows) break;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  async count(name: string, consistency: Consistency = 'Strong'): Promise<number> {
    const [row] = await this.call<Array<{ 'count(*)': number }>>('entities/query', { collectionName: name, filter: '', outputFields: ['count(*)'], consistencyLevel: consistency });
    return Number(row?.['count(*)'] ?? 0);
  }

  async query(name: string, o: { filter: string; offset: number; limit: number; outputFields: readonly string[]; consistency?: Consistency }): Promise<Timed<Row[]>> {
    return this.timedCall<Row[]>('entities/query', { collectionName: name, filter: o.filter, offset: o.offset, limit: o.limit, outputFields: o.outputFields, consistencyLevel: o.consistency ?? 'Strong' });
  }

  /** Keyset pages (keyset-scan.ts): REST v2 has no iterator, so each page reads its own snapshot. */
  async *scan(name: string, o: { filter: string; outputFields: readonly string[]; batchSize: number }): AsyncIterable<Row[]> {
    const info = await this.describe(name);
    yield* keysetScan(info, o, (filter, outputFields, limit) => this.call<Row[]>('entities/query', { collectionName: name, filter, limit, outputFields, consistencyLevel: 'Strong' }));
  }

  async get(name: string, ids: readonly unknown[], outputFields: readonly string[]): Promise<Row[]> {
    return this.call<Row[]>('entities/get', { collectionName: name, id: ids, outputFields, consistencyLevel: 'Strong' });
  }

  async search(name: string, o: SearchOptions): Promise<Timed<Hit[]>> {
    const info = await this.pkOf(name);
    const res = await this.timedCall<Row[]>('entities/search', {
      collectionName: name,
      data: [o.vector],
      ...(o.annsField ? { annsField: o.annsField } : {}),
      limit: o.limit,
      ...(o.filter ? { filter: o.filter } : {}),
      ...(o.params ? { searchParams: { params: o.params } } : {}),
      consistencyLevel: o.consistency ?? 'Bounded',
      outputFields: o.outputFields ?? [],
    });
    const hits = res.value.map(({ distance, ...fields }) => ({ id: fields[info], score: Number(distance), fields }));
    return { ...res, value: hits };
  }

  async hybridSearch(name: string, o: HybridOptions): Promise<Timed<Hit[]>> {
    const info = await this.pkOf(name);
    const res = await this.timedCall<Row[]>('entities/hybrid_search', {
      collectionName: name,
      search: o.subs.map((s) => ({
        data: [s.vector],
        annsField: s.annsField,
        limit: o.limit,
        ...(o.filter ? { filter: o.filter } : {}),
        ...(s.params ? { searchParams: { params: s.params } } : {}),
      })),
      rerank: rerankBody(o.rerank),
      limit: o.limit,
      consistencyLevel: o.consistency ?? 'Bounded',
      outputFields: o.outputFields ?? [],
    });
    return { ...res, value: res.value.map(({ distance, ...fields }) => ({ id: fields[info], score: Number(distance), fields })) };
  }

  private pks = new Map<string, string>();
  /** The primary key's name (cached per collection; search replies name it, not "id"). */
  private async pkOf(name: string): Promise<string> {
    let pk = this.pks.get(name);
    if (pk === undefined) {
      const d = await this.call<{ fields: Array<{ name: string; primaryKey?: boolean }> }>('collections/describe', { collectionName: name });
      pk = d.fields.find((f) => f.primaryKey)?.name ?? 'id';
      this.pks.set(name, pk);
    }
    return pk;
  }

  async close(): Promise<void> {}
}

/** JSON cannot carry typed arrays: vectors go as plain number lists. */
function plain(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Float32Array ? Array.from(v) : v;
  return out;
}
