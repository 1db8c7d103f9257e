/**
 * Language data the filters load on first use, so an app that never configures a stemmer or a
 * non-English stop list does not carry them: Snowball stemmers (`snowball-stemmers`, the
 * Snowball project's algorithms compiled to JavaScript — `english` is Porter2, as in Milvus)
 * and stop-word lists (`stopword`). English stop words are Lucene's classic 33-word list, the
 * one Milvus's `_english_` names; the other languages' lists come from `stopword` and are not
 * Milvus's Snowball lists word for word (docs/differences-from-milvus.md).
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the untyped deps' module types must follow this file into every tsconfig that compiles it
/// <reference path="./vendor-modules.d.ts" />
import { VesperError } from '../errors/index.ts';

export const ENGLISH_STOP_WORDS: readonly string[] = [
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no', 'not',
  'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was', 'will', 'with',
];

/** Milvus's `_language_` stop-list names → the `stopword` package's list names. */
const STOP_LISTS: Record<string, string> = {
  _chinese_: 'zho', _danish_: 'dan', _dutch_: 'nld', _finnish_: 'fin', _french_: 'fra', _german_: 'deu', _hungarian_: 'hun',
  _italian_: 'ita', _norwegian_: 'nob', _portuguese_: 'por', _russian_: 'rus', _spanish_: 'spa', _swedish_: 'swe',
};

/** Milvus's stemmer languages (lower-cased) → snowball-stemmers' algorithm names. */
const STEMMERS: Record<string, string> = {
  arabic: 'arabic', arabig: 'arabic', danish: 'danish', dutch: 'dutch', english: 'english', finnish: 'finnish', french: 'french',
  german: 'german', hungarian: 'hungarian', italian: 'italian', norwegian: 'norwegian', portuguese: 'portuguese',
  romanian: 'romanian', russian: 'russian', spanish: 'spanish', swedish: 'swedish', tamil: 'tamil', turkish: 'turkish',
};

interface SnowballModule { newStemmer(lang: string): { stem(word: string): string } }

const bad = (msg: string): VesperError => new VesperError('PARAMETER_INVALID', `create analyzer failed: ${msg}`);

/** Expands `_language_` names in a stop-word list; other entries are words. */
export async function resolveStopWords(words: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const w of words) {
    if (w === '_english_') ENGLISH_STOP_WORDS.forEach((x) => out.add(x));
    else if (Object.hasOwn(STOP_LISTS, w)) {
      const mod = (await import('stopword')) as unknown as Record<string, unknown> & { default?: Record<string, unknown> };
      const list = (mod[STOP_LISTS[w]!] ?? mod.default?.[STOP_LISTS[w]!]) as string[] | undefined;
      if (!Array.isArray(list)) throw bad(`stop word list ${w} is not available`);
      list.forEach((x) => out.add(x));
    } else out.add(w);
  }
  return out;
}

/** A stemmer for one of Milvus's stemmer languages; coded error naming an unknown one. */
export async function loadStemmer(language: string): Promise<(word: string) => string> {
  const algo = STEMMERS[language.toLowerCase()];
  if (algo === undefined || !Object.hasOwn(STEMMERS, language.toLowerCase())) {
    throw bad(`unsupported stemmer language: ${language} (supported: ${[...new Set(Object.values(STEMMERS))].join(', ')})`);
  }
  const mod = (await import('snowball-stemmers')) as unknown as SnowballModule & { default?: SnowballModule };
  const lib = typeof mod.newStemmer === 'function' ? mod : mod.default!;
  const stemmer = lib.newStemmer(algo);
  return (w) => stemmer.stem(w);
}
