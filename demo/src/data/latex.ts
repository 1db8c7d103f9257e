/**
 * arXiv titles carry LaTeX (`$\alpha$-Divergence`, `\`a l'aide`, `Polyak-\L{}ojasiewicz`).
 * The demo shows plain text: accents become the accented letter, common math commands their
 * Unicode symbol, and the remaining markup (`$`, braces, unknown commands) is dropped.
 */

const ACCENTS: Record<string, string> = { '`': '\u0300', "'": '\u0301', '^': '\u0302', '~': '\u0303', '"': '\u0308', '=': '\u0304', '.': '\u0307', c: '\u0327', v: '\u030c', u: '\u0306', H: '\u030b' };

const SYMBOLS: Record<string, string> = {
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ε', varepsilon: 'ε', zeta: 'ζ', eta: 'η', theta: 'θ', kappa: 'κ', lambda: 'λ',
  mu: 'μ', nu: 'ν', xi: 'ξ', pi: 'π', rho: 'ρ', sigma: 'σ', tau: 'τ', phi: 'φ', varphi: 'φ', chi: 'χ', psi: 'ψ', omega: 'ω',
  Gamma: 'Γ', Delta: 'Δ', Theta: 'Θ', Lambda: 'Λ', Sigma: 'Σ', Phi: 'Φ', Psi: 'Ψ', Omega: 'Ω',
  ell: 'ℓ', infty: '∞', times: '×', cdot: '·', leq: '≤', le: '≤', geq: '≥', ge: '≥', neq: '≠', approx: '≈', sim: '∼', in: '∈',
  to: '→', rightarrow: '→', log: 'log', sqrt: '√', sum: 'Σ', partial: '∂', nabla: '∇', mid: '|', ldots: '…', dots: '…',
  L: 'Ł', l: 'ł', o: 'ø', O: 'Ø', ss: 'ß', ae: 'æ', AE: 'Æ', aa: 'å', '&': '&', '%': '%', '_': '_', '#': '#', '$': '$',
};

const SUPERSCRIPT: Record<string, string> = Object.fromEntries([...'0123456789+-nidTk'].map((c, i) => [c, '⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿⁱᵈᵀᵏ'[i]!]));

/** A title as plain text: LaTeX accents and symbols rendered, markup removed. */
export function plainTitle(s: string): string {
  let out = s
    // accent commands: \`a, \'{e}, \"o, \c{c}, \v{s}
    .replace(/\\([`'^~"=.])\s*\{?([A-Za-z])\}?/g, (_, a: string, ch: string) => (ch + (ACCENTS[a] ?? '')).normalize('NFC'))
    .replace(/\\([cvuH])\{([A-Za-z])\}/g, (_, a: string, ch: string) => (ch + (ACCENTS[a] ?? '')).normalize('NFC'))
    // named commands: \alpha, \L{}, \mathsf{G} (a font command keeps its argument)
    .replace(/\\(mathsf|mathbf|mathrm|mathcal|mathbb|mathit|text|textbf|textit|emph|operatorname|boldsymbol)\s*\{([^{}]*)\}/g, '$2')
    .replace(/\\([A-Za-z]+|[&%_#$])(\{\})?/g, (m, name: string) => SYMBOLS[name] ?? '');
  out = out.replace(/\^\{?([0-9a-zA-Z+-])\}?/g, (_, c: string) => SUPERSCRIPT[c] ?? c);
  out = out.replace(/[{}$]/g, '').replace(/\s+/g, ' ');
  return out.trim();
}
