/**
 * The demo's papers: 900 arXiv papers in the collection and 100 held-out query papers
 * (gte-small, 384-d), served as static files next to the page (see public/arxiv/README.md).
 * MeMemo demo data, poloclub/mememo, MIT licence.
 */
import type { Row } from '../backend/backend.ts';
import { plainTitle } from './latex.ts';

export interface Paper {
  readonly title: string;
  readonly abstract: string;
  readonly vector: Float32Array;
}

export interface Papers {
  readonly dim: number;
  readonly base: readonly Paper[];
  readonly query: readonly Paper[];
}

export const PAPERS_COLLECTION = 'papers';

function split(buf: ArrayBuffer, dim: number): Float32Array[] {
  const all = new Float32Array(buf);
  return Array.from({ length: all.length / dim }, (_, i) => all.subarray(i * dim, (i + 1) * dim));
}

let cached: Promise<Papers> | undefined;

/** Fetches the papers once (relative to the page, so the build works from any static host). */
export function loadPapers(): Promise<Papers> {
  cached ??= (async () => {
    const base = import.meta.env.BASE_URL;
    const get = async (file: string): Promise<Response> => {
      const res = await fetch(`${base}arxiv/${file}`);
      if (!res.ok) throw new Error(`cannot load arxiv/${file}: HTTP ${res.status}`);
      return res;
    };
    const [texts, b, q] = await Promise.all([get('texts.json').then((r) => r.json() as Promise<{ dim: number; base: [string, string][]; query: [string, string][] }>), get('base.f32').then((r) => r.arrayBuffer()), get('query.f32').then((r) => r.arrayBuffer())]);
    const paper = (t: [string, string], vector: Float32Array): Paper => ({ title: plainTitle(t[0]), abstract: t[1], vector });
    const bv = split(b, texts.dim);
    const qv = split(q, texts.dim);
    return { dim: texts.dim, base: texts.base.map((t, i) => paper(t, bv[i]!)), query: texts.query.map((t, i) => paper(t, qv[i]!)) };
  })();
  return cached;
}

/** The collection's rows: id = row position, title (plain text), abstract, vector. */
export function paperRows(p: Papers): Row[] {
  return p.base.map((x, id) => ({ id, title: x.title, abstract: x.abstract, vector: Array.from(x.vector) }));
}
