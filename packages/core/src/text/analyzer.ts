/**
 * Analyzers: text → tokens, configured by Milvus's `analyzer_params`.
 *
 * - `{}` or absent: the `standard` analyzer.
 * - `{ type: 'standard' | 'english' | 'chinese', stop_words?: [...] }`: the built-ins —
 *   standard = standard tokenizer + lowercase; english = standard tokenizer + lowercase +
 *   English (Porter2) stemmer + `_english_` stop words; chinese = jieba + cnalphanumonly. Extra
 *   `stop_words` are removed last (after stemming, as in Milvus).
 * - `{ tokenizer, filter?: [...] }`: a custom chain (tokenizers.ts, token-filters.ts).
 *
 * Any other key, unknown tokenizer, filter, option or language is a coded error (1100) naming
 * it. Building is async because stemmers and stop lists load on first use; analyzing is sync.
 */
import { VesperError } from '../errors/index.ts';
import { createFilter, stopFilter } from './token-filters.ts';
import { createTokenizer, type Tokenizer } from './tokenizers.ts';
import { resolveStopWords, loadStemmer, ENGLISH_STOP_WORDS } from './language-data.ts';
import type { Token, TokenFilter } from './token.ts';

export interface Analyzer {
  /** Tokens with UTF-16 offsets and tokenizer positions. */
  analyze(text: string): Token[];
}

const bad = (msg: string): VesperError => new VesperError('PARAMETER_INVALID', `create analyzer failed: ${msg}`);

class Chain implements Analyzer {
  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly filters: readonly TokenFilter[],
  ) {}

  analyze(text: string): Token[] {
    let tokens = this.tokenizer(text);
    for (const f of this.filters) tokens = f(tokens);
    return tokens;
  }
}

async function extraStopWords(p: Record<string, unknown>): Promise<TokenFilter[]> {
  if (!Object.hasOwn(p, 'stop_words')) return [];
  const v = p['stop_words'];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad('filter stop_words should be a list of strings');
  const words = await resolveStopWords(v as string[]);
  return words.size > 0 ? [stopFilter(words)] : [];
}

async function builtIn(type: string, p: Record<string, unknown>): Promise<Analyzer> {
  for (const k of Object.keys(p)) if (k !== 'type' && k !== 'stop_words') throw bad(`unknown option ${k} of the ${type} analyzer`);
  const lowercase = await createFilter('lowercase');
  switch (type) {
    case 'standard':
      return new Chain(createTokenizer('standard'), [lowercase, ...(await extraStopWords(p))]);
    case 'english': {
      const stem = await loadStemmer('english');
      const stemFilter: TokenFilter = (tokens) => {
        for (const t of tokens) t.text = stem(t.text);
        return tokens;
      };
      return new Chain(createTokenizer('standard'), [lowercase, stemFilter, stopFilter(new Set(ENGLISH_STOP_WORDS)), ...(await extraStopWords(p))]);
    }
    case 'chinese':
      return new Chain(createTokenizer('jieba'), [await createFilter('cnalphanumonly'), ...(await extraStopWords(p))]);
    default:
      throw bad(`unknown build-in analyzer type: ${type}`);
  }
}

/** Builds the analyzer `analyzer_params` describes; a coded error for anything it cannot honour. */
export async function createAnalyzer(params: unknown): Promise<Analyzer> {
  if (params === undefined || params === null) return builtIn('standard', {});
  if (typeof params === 'string') {
    // REST and some SDKs send analyzer_params as a JSON string
    let parsed: unknown;
    try {
      parsed = JSON.parse(params);
    } catch {
      throw bad('analyzer params should be a json map');
    }
    return createAnalyzer(parsed);
  }
  if (typeof params !== 'object' || Array.isArray(params)) throw bad('analyzer params should be a json map');
  const p = params as Record<string, unknown>;
  if (Object.keys(p).length === 0) return builtIn('standard', {});
  if (Object.hasOwn(p, 'type')) {
    if (typeof p['type'] !== 'string') throw bad('analyzer type should be string');
    return builtIn(p['type'], p);
  }
  if (!Object.hasOwn(p, 'tokenizer')) throw bad('tokenizer name or type must be set');
  const tokenizer = createTokenizer(p['tokenizer']);
  const filters: TokenFilter[] = [];
  for (const [k, v] of Object.entries(p)) {
    if (k === 'tokenizer') continue;
    if (k !== 'filter') throw bad(`unknown analyzer option key: ${k}`);
    if (!Array.isArray(v)) throw bad('filter params should be array');
    for (const f of v) filters.push(await createFilter(f));
  }
  return new Chain(tokenizer, filters);
}
