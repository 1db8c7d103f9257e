/**
 * Tokenizers, by Milvus's names. Every one is built from what Node, Chromium and workerd all
 * have (Unicode regular expressions and `Intl.Segmenter`), so the same text gives the same
 * tokens in all three runtimes.
 *
 * - `standard`: maximal runs of alphanumeric characters (Unicode Alphabetic or Numeric), the
 *   boundaries of Milvus's default standard tokenizer; with `uax29: true`, Unicode word
 *   boundaries (UAX #29) instead, keeping segments that hold a letter, digit or emoji, split into
 *   chunks of at most `max_token_length` characters (default 255). Han and Hiragana characters
 *   are single-character words, as plain UAX #29 has them (ICU's dictionary would join them).
 * - `whitespace`: runs of non-whitespace characters.
 * - `jieba`: Chinese word segmentation. Milvus uses jieba's dictionary; Vesper uses the
 *   ICU dictionary segmentation `Intl.Segmenter('zh')` provides, which gives words for CJK and
 *   Thai without shipping a dictionary. Like jieba, every segment is a token (punctuation and
 *   spaces too — the `chinese` analyzer's `cnalphanumonly` filter removes them). jieba's search
 *   mode also emits overlapping sub-words; this does not (see docs/differences-from-milvus.md).
 */
import { VesperError } from '../errors/index.ts';
import type { Token } from './token.ts';

export type Tokenizer = (text: string) => Token[];

const ALNUM_RUN = /[\p{Alphabetic}\p{N}]+/gu;
const NON_SPACE_RUN = /\S+/gu;
const WORD_OR_EMOJI = /[\p{Alphabetic}\p{N}\p{Extended_Pictographic}\p{Emoji_Presentation}\p{Regional_Indicator}\u20e3]/u;
const IDEOGRAPHIC = /[\p{Script=Han}\p{Script=Hiragana}]/u;
const MAX_TOKEN_LENGTH_LIMIT = 1024 * 1024;

function runs(re: RegExp): Tokenizer {
  return (text) => {
    const out: Token[] = [];
    for (const m of text.matchAll(re)) out.push({ text: m[0], start: m.index, end: m.index + m[0].length, position: out.length });
    return out;
  };
}

let wordSegmenter: Intl.Segmenter | undefined;
let zhSegmenter: Intl.Segmenter | undefined;

function uax29(maxLength: number): Tokenizer {
  return (text) => {
    wordSegmenter ??= new Intl.Segmenter('und', { granularity: 'word' });
    const out: Token[] = [];
    for (const s of wordSegmenter.segment(text)) {
      if (!WORD_OR_EMOJI.test(s.segment)) continue;
      // ICU joins ideographs and kana into dictionary words; UAX #29 itself (what Milvus runs)
      // makes each Han or Hiragana character its own word
      if (IDEOGRAPHIC.test(s.segment)) {
        let at = s.index;
        for (const ch of s.segment) {
          if (WORD_OR_EMOJI.test(ch)) out.push({ text: ch, start: at, end: at + ch.length, position: out.length });
          at += ch.length;
        }
        continue;
      }
      // chunk by code points, not code units
      const chars = Array.from(s.segment);
      let at = s.index;
      for (let i = 0; i < chars.length; i += maxLength) {
        const piece = chars.slice(i, i + maxLength).join('');
        out.push({ text: piece, start: at, end: at + piece.length, position: out.length });
        at += piece.length;
      }
    }
    return out;
  };
}

const jieba: Tokenizer = (text) => {
  zhSegmenter ??= new Intl.Segmenter('zh', { granularity: 'word' });
  const out: Token[] = [];
  for (const s of zhSegmenter.segment(text)) out.push({ text: s.segment, start: s.index, end: s.index + s.segment.length, position: out.length });
  return out;
};

const bad = (msg: string): VesperError => new VesperError('PARAMETER_INVALID', `create analyzer failed: ${msg}`);

function checkKeys(params: Record<string, unknown>, allowed: string[], what: string): void {
  for (const k of Object.keys(params)) if (!allowed.includes(k)) throw bad(`unsupported ${what} option: ${k}`);
}

/** The tokenizer a `tokenizer` analyzer param names: a string or `{ type, ...options }`. */
export function createTokenizer(spec: unknown): Tokenizer {
  let name: string;
  let params: Record<string, unknown> = {};
  if (typeof spec === 'string') name = spec;
  else if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    params = spec as Record<string, unknown>;
    if (!Object.hasOwn(params, 'type')) throw bad('custom tokenizer must set type');
    if (typeof params['type'] !== 'string') throw bad('tokenizer type should be string');
    name = params['type'];
  } else throw bad('tokenizer name should be string or dict');
  switch (name) {
    case 'standard': {
      checkKeys(params, ['type', 'uax29', 'max_token_length'], 'standard tokenizer');
      const u = params['uax29'];
      if (u !== undefined && typeof u !== 'boolean') throw bad('standard tokenizer uax29 must be a boolean');
      const max = params['max_token_length'];
      if (max !== undefined && u !== true) throw bad('standard tokenizer max_token_length requires uax29 to be true');
      if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_TOKEN_LENGTH_LIMIT)) {
        throw bad(`standard tokenizer max_token_length must be between 1 and ${MAX_TOKEN_LENGTH_LIMIT}`);
      }
      return u === true ? uax29((max as number | undefined) ?? 255) : runs(ALNUM_RUN);
    }
    case 'whitespace':
      checkKeys(params, ['type'], 'whitespace tokenizer');
      return runs(NON_SPACE_RUN);
    case 'jieba':
      // jieba's options pick dictionaries and modes Vesper cannot honour: refuse them by name
      checkKeys(params, ['type'], 'jieba tokenizer');
      return jieba;
    default:
      throw bad(`unsupported tokenizer: ${name}`);
  }
}
