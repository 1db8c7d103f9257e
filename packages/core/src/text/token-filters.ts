/**
 * Token filters, by Milvus's names: given as a string (`"lowercase"`) or an object with a
 * `type` and its options (`{ type: "stop", stop_words: ["_english_"] }`). Unknown filters and
 * unknown options are coded errors, never ignored. The predicate filters follow Milvus's
 * definitions exactly: `cncharonly` keeps a token holding any Han character, `cnalphanumonly`
 * one holding any Han or ASCII letter/digit, `removepunct` drops a token holding any
 * punctuation or whitespace, `alphanumonly` keeps tokens made only of ASCII letters and digits,
 * `length` keeps tokens of at most `max` UTF-8 bytes.
 */
import { VesperError } from '../errors/index.ts';
import { loadStemmer, resolveStopWords } from './language-data.ts';
import type { Token, TokenFilter } from './token.ts';

const bad = (msg: string): VesperError => new VesperError('PARAMETER_INVALID', `create analyzer failed: ${msg}`);
const keep = (pred: (text: string) => boolean): TokenFilter => (tokens) => tokens.filter((t) => pred(t.text));
const map = (f: (text: string) => string): TokenFilter => (tokens) => {
  for (const t of tokens) t.text = f(t.text);
  return tokens;
};

const HAN = /\p{Script=Han}/u;
const HAN_OR_ASCII_ALNUM = /[\p{Script=Han}a-zA-Z0-9]/u;
const ASCII_ALNUM_ONLY = /^[a-zA-Z0-9]+$/;
const PUNCT_OR_SPACE = /[\p{P}\s]/u;
const encoder = new TextEncoder();
const utf8Length = (s: string): number => (/^[\0-\x7f]*$/.test(s) ? s.length : encoder.encode(s).length);

// Latin letters that do not decompose under NFKD, folded as Lucene's ASCII folding does.
const FOLD: Record<string, string> = {
  ß: 'ss', ẞ: 'SS', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', ð: 'd', Ð: 'D',
  þ: 'th', Þ: 'TH', ı: 'i', ħ: 'h', Ħ: 'H', ŧ: 't', Ŧ: 'T', ŋ: 'n', Ŋ: 'N', ĸ: 'q', ſ: 's', ƒ: 'f', ı̇: 'i',
};
/** Latin, Latin Extended, Latin Extended Additional, ligatures, fullwidth ASCII, sub/superscripts. */
const FOLDABLE = /[\u00a0-\u024f\u1e00-\u1eff\u2070-\u209f\ufb00-\ufb06\uff01-\uff5e]/u;

function asciiFold(s: string): string {
  if (/^[\0-\x7f]*$/.test(s)) return s;
  let out = '';
  for (const ch of s) {
    if (!FOLDABLE.test(ch)) out += ch;
    else if (Object.hasOwn(FOLD, ch)) out += FOLD[ch];
    else out += ch.normalize('NFKD').replace(/\p{M}/gu, '');
  }
  return out;
}

/** Splits a token into dictionary words when the whole token is a concatenation of them. */
function decompounder(words: readonly string[]): TokenFilter {
  const dict = new Set(words);
  const maxLen = Math.max(...words.map((w) => w.length));
  const split = (s: string): string[] | undefined => {
    // longest-first at each step, backtracking: the token must be covered completely
    if (s.length === 0) return [];
    for (let l = Math.min(maxLen, s.length); l > 0; l--) {
      const head = s.slice(0, l);
      if (!dict.has(head)) continue;
      const rest = split(s.slice(l));
      if (rest) return [head, ...rest];
    }
    return undefined;
  };
  return (tokens) => {
    const out: Token[] = [];
    for (const t of tokens) {
      const parts = t.text.length <= 256 ? split(t.text) : undefined;
      if (!parts || parts.length <= 1) {
        out.push(t);
        continue;
      }
      let at = t.start;
      for (const p of parts) {
        out.push({ text: p, start: at, end: at + p.length, position: t.position });
        at += p.length;
      }
    }
    return out;
  };
}

function stringList(v: unknown, label: string): string[] {
  if (!Array.isArray(v)) throw bad(`${label} should be array`);
  for (const x of v) if (typeof x !== 'string') throw bad(`${label} list item should be string`);
  return v as string[];
}

function checkKeys(params: Record<string, unknown>, allowed: string[], type: string): void {
  for (const k of Object.keys(params)) if (!allowed.includes(k)) throw bad(`unsupported option ${k} of filter ${type}`);
}

const NAMED: Record<string, TokenFilter> = {
  lowercase: map((s) => s.toLowerCase()),
  asciifolding: map(asciiFold),
  alphanumonly: keep((s) => ASCII_ALNUM_ONLY.test(s)),
  cncharonly: keep((s) => HAN.test(s)),
  cnalphanumonly: keep((s) => HAN_OR_ASCII_ALNUM.test(s)),
  removepunct: keep((s) => !PUNCT_OR_SPACE.test(s)),
};

/** Stop words removed from a token stream (compared after the filters before it). */
export function stopFilter(words: Set<string>): TokenFilter {
  return keep((s) => !words.has(s));
}

/** One filter of an analyzer's `filter` list. */
export async function createFilter(spec: unknown): Promise<TokenFilter> {
  if (typeof spec === 'string') {
    if (!Object.hasOwn(NAMED, spec)) throw bad(`filter not found: ${spec}`);
    return NAMED[spec]!;
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw bad('filter should be a name or an object with a type');
  const p = spec as Record<string, unknown>;
  if (!Object.hasOwn(p, 'type')) throw bad('no type field in filter params');
  const type = p['type'];
  if (typeof type !== 'string') throw bad('filter type should be string');
  switch (type) {
    case 'length': {
      checkKeys(p, ['type', 'max'], type);
      const max = p['max'];
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) throw bad('length max param was none or not uint');
      return keep((s) => utf8Length(s) <= max);
    }
    case 'stop': {
      checkKeys(p, ['type', 'stop_words'], type);
      return stopFilter(await resolveStopWords(p['stop_words'] === undefined ? [] : stringList(p['stop_words'], 'stop_words')));
    }
    case 'stemmer': {
      checkKeys(p, ['type', 'language'], type);
      if (typeof p['language'] !== 'string') throw bad('stemmer language field should be string');
      return map(await loadStemmer(p['language']));
    }
    case 'decompounder': {
      checkKeys(p, ['type', 'word_list'], type);
      const words = stringList(p['word_list'], 'decompounder word list').filter((w) => w.length > 0);
      if (words.length === 0) throw bad('decompounder word list is empty');
      return decompounder(words);
    }
    case 'regex': {
      checkKeys(p, ['type', 'expr'], type);
      if (typeof p['expr'] !== 'string') throw bad('regex expr should be string');
      let re: RegExp;
      try {
        re = new RegExp(p['expr'], 'u');
      } catch (e) {
        throw bad(`invalid regex expr: ${(e as Error).message}`);
      }
      return keep((s) => re.test(s));
    }
    default:
      if (Object.hasOwn(NAMED, type)) {
        checkKeys(p, ['type'], type);
        return NAMED[type]!;
      }
      throw bad(`unsupported filter type: ${type}`);
  }
}
