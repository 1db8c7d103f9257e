/**
 * Analyzer behaviour as one scenario for every runtime (Node, workerd, Chromium): golden token
 * lists for the built-in analyzers and each tokenizer/filter (English, CJK, accents,
 * punctuation, numbers, emoji), coded errors for what Milvus's analyzers refuse, and a seeded
 * oracle check of the standard tokenizer against a naive character scanner. The expected lists
 * follow Milvus's documented semantics (docs/differences-from-milvus.md names where Vesper's
 * jieba differs from Milvus's dictionary); the runtimes must agree token for token.
 */
import { Random } from '../../packages/core/src/util/random.ts';
import { runAnalyzer, termHash, createAnalyzer } from '../../packages/core/src/text/index.ts';

export interface GoldenCase { name: string; params: unknown; text: string; tokens: string[] }

export const GOLDEN: GoldenCase[] = [
  { name: 'standard: punctuation, numbers, case, CJK run, emoji dropped', params: { type: 'standard' }, text: "The 2 QUICK Brown-Foxes dog's 32.3 中文 👩‍🔬", tokens: ['the', '2', 'quick', 'brown', 'foxes', 'dog', 's', '32', '3', '中文'] },
  { name: 'empty params = standard', params: {}, text: 'Hello,WORLD', tokens: ['hello', 'world'] },
  { name: 'standard with extra stop words', params: { type: 'standard', stop_words: ['of', 'the'] }, text: 'The history of the Roman Empire', tokens: ['history', 'roman', 'empire'] },
  { name: 'english: stem then _english_ stop words', params: { type: 'english' }, text: 'The Milvus vector database is built for scale!', tokens: ['milvus', 'vector', 'databas', 'built', 'scale'] },
  { name: 'english: Porter2 forms', params: { type: 'english' }, text: 'running generously studies cats fairly', tokens: ['run', 'generous', 'studi', 'cat', 'fair'] },
  { name: 'chinese: jieba words, punctuation and spaces removed', params: { type: 'chinese' }, text: 'Milvus 是一个向量数据库！', tokens: ['Milvus', '是', '一个', '向量', '数据', '库'] },
  { name: 'jieba alone keeps punctuation and spaces as tokens', params: { tokenizer: 'jieba' }, text: '向量，数据 库', tokens: ['向量', '，', '数据', ' ', '库'] },
  { name: 'whitespace tokenizer', params: { tokenizer: 'whitespace' }, text: '  foo-bar\tBaz,  qux ', tokens: ['foo-bar', 'Baz,', 'qux'] },
  { name: 'uax29: apostrophes, decimals, IPs, single Han chars, katakana run, emoji', params: { tokenizer: { type: 'standard', uax29: true } }, text: "O'Reilly can't jump 32.3 feet 10.0.0.1 中文 カタカナ 한국어 👍", tokens: ["O'Reilly", "can't", 'jump', '32.3', 'feet', '10.0.0.1', '中', '文', 'カタカナ', '한국어', '👍'] },
  { name: 'uax29 with max_token_length chunks', params: { tokenizer: { type: 'standard', uax29: true, max_token_length: 3 } }, text: 'abcdefg hi', tokens: ['abc', 'def', 'g', 'hi'] },
  { name: 'asciifolding + lowercase', params: { tokenizer: 'standard', filter: ['asciifolding', 'lowercase'] }, text: 'Café Ærøskøbing naïve Straße ﬁne Ｆｕｌｌ 한국어', tokens: ['cafe', 'aeroskobing', 'naive', 'strasse', 'fine', 'full', '한국어'] },
  { name: 'alphanumonly keeps ASCII-only tokens', params: { tokenizer: 'standard', filter: ['alphanumonly'] }, text: 'abc ábc 123 中文 x1', tokens: ['abc', '123', 'x1'] },
  { name: 'cncharonly keeps tokens holding Han', params: { tokenizer: 'whitespace', filter: ['cncharonly'] }, text: 'abc 中文 a中 123', tokens: ['中文', 'a中'] },
  { name: 'cnalphanumonly keeps tokens holding Han or ASCII alnum', params: { tokenizer: 'whitespace', filter: ['cnalphanumonly'] }, text: 'abc ！ 中文 é ，', tokens: ['abc', '中文'] },
  { name: 'removepunct drops tokens holding punctuation', params: { tokenizer: 'whitespace', filter: ['removepunct'] }, text: 'hello, world ! foo-bar baz', tokens: ['world', 'baz'] },
  { name: 'length keeps tokens of at most max UTF-8 bytes', params: { tokenizer: 'standard', filter: [{ type: 'length', max: 4 }] }, text: 'a abcd abcde größe ßß', tokens: ['a', 'abcd', 'ßß'] },
  { name: 'stop with custom words and a language list', params: { tokenizer: 'standard', filter: ['lowercase', { type: 'stop', stop_words: ['_english_', 'vesper'] }] }, text: 'Vesper is a database for the edge', tokens: ['database', 'edge'] },
  { name: 'stemmer: French', params: { tokenizer: 'standard', filter: ['lowercase', { type: 'stemmer', language: 'french' }] }, text: 'Les chevaux mangeaient rapidement', tokens: ['le', 'cheval', 'mang', 'rapid'] },
  { name: 'stemmer: German, language name case-insensitive', params: { tokenizer: 'standard', filter: ['lowercase', { type: 'stemmer', language: 'German' }] }, text: 'Häuser laufen', tokens: ['haus', 'lauf'] },
  { name: 'decompounder splits only fully covered tokens', params: { tokenizer: 'standard', filter: [{ type: 'decompounder', word_list: ['bank', 'note', 'dampf', 'schiff'] }] }, text: 'banknote dampfschiff bankrupt', tokens: ['bank', 'note', 'dampf', 'schiff', 'bankrupt'] },
  { name: 'regex keeps matching tokens', params: { tokenizer: 'standard', filter: [{ type: 'regex', expr: '^(?!test)' }] }, text: 'test milvus testing vesper', tokens: ['milvus', 'vesper'] },
  { name: 'analyzer_params as a JSON string', params: '{"tokenizer":"standard","filter":["lowercase"]}', text: 'A B', tokens: ['a', 'b'] },
];

export interface ErrorCase { name: string; params: unknown; message: RegExp }

export const ERRORS: ErrorCase[] = [
  { name: 'unknown built-in', params: { type: 'klingon' }, message: /unknown build-in analyzer type: klingon/ },
  { name: 'unknown tokenizer', params: { tokenizer: 'lindera' }, message: /unsupported tokenizer: lindera/ },
  { name: 'unknown filter name', params: { tokenizer: 'standard', filter: ['uppercase'] }, message: /filter not found: uppercase/ },
  { name: 'unknown filter type', params: { tokenizer: 'standard', filter: [{ type: 'synonym' }] }, message: /unsupported filter type: synonym/ },
  { name: 'unknown analyzer key', params: { tokenizer: 'standard', filters: ['lowercase'] }, message: /unknown analyzer option key: filters/ },
  { name: 'unknown built-in option', params: { type: 'english', stemmer: false }, message: /unknown option stemmer/ },
  { name: 'no tokenizer', params: { filter: ['lowercase'] }, message: /tokenizer name or type must be set/ },
  { name: 'unknown stemmer language', params: { tokenizer: 'standard', filter: [{ type: 'stemmer', language: 'greek' }] }, message: /unsupported stemmer language: greek/ },
  { name: 'length without max', params: { tokenizer: 'standard', filter: [{ type: 'length' }] }, message: /length max param/ },
  { name: 'unknown filter option', params: { tokenizer: 'standard', filter: [{ type: 'length', max: 3, min: 1 }] }, message: /unsupported option min of filter length/ },
  { name: 'empty decompounder list', params: { tokenizer: 'standard', filter: [{ type: 'decompounder', word_list: [] }] }, message: /decompounder word list is empty/ },
  { name: 'bad regex', params: { tokenizer: 'standard', filter: [{ type: 'regex', expr: '(' }] }, message: /invalid regex expr/ },
  { name: 'max_token_length without uax29', params: { tokenizer: { type: 'standard', max_token_length: 5 } }, message: /requires uax29/ },
  { name: 'jieba options Vesper cannot honour', params: { tokenizer: { type: 'jieba', dict: ['_default_'] } }, message: /unsupported jieba tokenizer option: dict/ },
  { name: 'params not a map', params: [1, 2], message: /analyzer params should be a json map/ },
];

/** Naive oracle of the standard tokenizer: scan code points, cut at non-alphanumerics. */
export function naiveStandard(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of text) {
    if (/\p{Alphabetic}|\p{N}/u.test(ch)) cur += ch;
    else if (cur !== '') {
      out.push(cur);
      cur = '';
    }
  }
  if (cur !== '') out.push(cur);
  return out;
}

const ALPHABET = ['a', 'Z', '0', '9', ' ', '\t', '-', "'", '.', ',', 'é', 'ß', 'Ж', 'ж', '中', '文', 'カ', 'ー', '한', '٣', '½', '👍', '\u0301', '_', '!', '\u00a0'];

/** Seeded random texts over a mixed-script alphabet. */
export function randomTexts(seed: number, n: number): string[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => Array.from({ length: rng.int(40) }, () => ALPHABET[rng.int(ALPHABET.length)]!).join(''));
}

/** Runs the whole scenario; returns a list of failures (empty when all hold). */
export async function analyzerScenario(seed: number): Promise<string[]> {
  const failures: string[] = [];
  for (const c of GOLDEN) {
    try {
      const got = (await runAnalyzer({ text: c.text, analyzer_params: c.params }))[0]!.tokens as string[];
      if (JSON.stringify(got) !== JSON.stringify(c.tokens)) failures.push(`${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.tokens)}`);
    } catch (e) {
      failures.push(`${c.name}: threw ${(e as Error).message}`);
    }
  }
  for (const c of ERRORS) {
    try {
      await createAnalyzer(c.params);
      failures.push(`${c.name}: accepted`);
    } catch (e) {
      const err = e as { code?: number; message: string };
      if (err.code !== 1100 || !c.message.test(err.message)) failures.push(`${c.name}: got code ${err.code} "${err.message}"`);
    }
  }
  const standard = await createAnalyzer({ tokenizer: 'standard' });
  for (const text of randomTexts(seed, 300)) {
    const got = standard.analyze(text).map((t) => t.text);
    const want = naiveStandard(text);
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`seed ${seed}: standard(${JSON.stringify(text)}) = ${JSON.stringify(got)}, naive ${JSON.stringify(want)}`);
    for (const t of standard.analyze(text)) if (text.slice(t.start, t.end) !== t.text) failures.push(`seed ${seed}: offsets of ${t.text} in ${JSON.stringify(text)}`);
  }
  // term ids: CRC-32 (IEEE) of the UTF-8 bytes, first 100 bytes only
  if (termHash('hello') !== 0x3610a686) failures.push(`termHash('hello') = ${termHash('hello')}`);
  if (termHash('x'.repeat(100)) !== termHash('x'.repeat(150))) failures.push('termHash must hash only the first 100 bytes');
  const detail = (await runAnalyzer({ text: 'Grüße 中文', with_detail: true, with_hash: true }))[0]!.tokens;
  const want = [
    { token: 'grüße', start_offset: 0, end_offset: 7, position: 0, position_length: 1, hash: termHash('grüße') },
    { token: '中文', start_offset: 8, end_offset: 14, position: 1, position_length: 1, hash: termHash('中文') },
  ];
  if (JSON.stringify(detail) !== JSON.stringify(want)) failures.push(`run_analyzer detail: ${JSON.stringify(detail)}`);
  return failures;
}
