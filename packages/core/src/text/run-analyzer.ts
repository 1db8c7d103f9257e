/**
 * `run_analyzer`: Milvus's API to show what an analyzer makes of some texts. Without detail, a
 * list of token strings per text; with detail, objects with Milvus's field names and UTF-8 byte
 * offsets (Milvus's analyzers work on UTF-8), plus the term's 32-bit hash with `with_hash`.
 */
import { VesperError } from '../errors/index.ts';
import { createAnalyzer } from './analyzer.ts';
import { termHash } from './term-hash.ts';

export interface RunAnalyzerRequest {
  text: string | string[];
  analyzer_params?: unknown;
  with_detail?: boolean;
  with_hash?: boolean;
}

export interface AnalyzerTokenDetail {
  token: string;
  start_offset: number;
  end_offset: number;
  position: number;
  position_length: number;
  hash?: number;
}

export type AnalyzerResult = { tokens: string[] } | { tokens: AnalyzerTokenDetail[] };

/** Maps the UTF-16 offsets tokens carry to the UTF-8 byte offsets Milvus reports. */
function byteOffsets(text: string): (utf16: number) => number {
  if (/^[\0-\x7f]*$/.test(text)) return (i) => i;
  const at = new Uint32Array(text.length + 1);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    at[i] = bytes;
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      // a surrogate pair is one 4-byte code point; no token boundary falls inside it
      at[i + 1] = bytes;
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  at[text.length] = bytes;
  return (i) => at[i]!;
}

export async function runAnalyzer(req: RunAnalyzerRequest): Promise<AnalyzerResult[]> {
  const texts = typeof req.text === 'string' ? [req.text] : req.text;
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) throw new VesperError('PARAMETER_INVALID', 'run_analyzer text should be a string or a list of strings');
  for (const k of ['with_detail', 'with_hash'] as const) {
    if (req[k] !== undefined && typeof req[k] !== 'boolean') throw new VesperError('PARAMETER_INVALID', `run_analyzer ${k} should be a boolean`);
  }
  const analyzer = await createAnalyzer(req.analyzer_params);
  return texts.map((text) => {
    const tokens = analyzer.analyze(text);
    if (req.with_detail !== true && req.with_hash !== true) return { tokens: tokens.map((t) => t.text) };
    const off = byteOffsets(text);
    return {
      tokens: tokens.map((t) => {
        const d: AnalyzerTokenDetail = { token: t.text, start_offset: off(t.start), end_offset: off(t.end), position: t.position, position_length: 1 };
        if (req.with_hash === true) d.hash = termHash(t.text);
        return d;
      }),
    };
  });
}
