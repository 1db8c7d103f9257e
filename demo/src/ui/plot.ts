/**
 * Recall-vs-latency plot as inline SVG: one point per search setting (ef or nprobe), joined in
 * sweep order, labelled with the setting. Axes: median latency per query (x, ms) and recall@10
 * (y). Small enough to write by hand: a line and a few labels, no charting library needed.
 */

export interface PlotPoint {
  readonly label: string;
  readonly latencyMs: number;
  readonly recall: number;
}

const W = 480, H = 260, L = 48, R = 16, T = 16, B = 40;

export function renderPlot(container: HTMLElement, points: readonly PlotPoint[], title: string): void {
  const maxX = Math.max(...points.map((p) => p.latencyMs)) * 1.1 || 1;
  const minY = Math.min(0.9, ...points.map((p) => p.recall)) - 0.02;
  const x = (v: number): number => L + (v / maxX) * (W - L - R);
  const y = (v: number): number => T + ((1 - v) / (1 - minY)) * (H - T - B);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${title}: ${points.map((p) => `${p.label} recall ${p.recall.toFixed(3)} at ${p.latencyMs.toFixed(2)} ms`).join('; ')}`);
  const add = (tag: string, attrs: Record<string, string | number>, text?: string): SVGElement => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  add('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B });
  add('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B });
  for (const f of [0, 0.5, 1]) add('text', { x: x(maxX * f), y: H - B + 14, 'text-anchor': 'middle' }, `${((maxX * f) / 1).toFixed(2)}`);
  for (const f of [minY, (minY + 1) / 2, 1]) add('text', { x: L - 4, y: y(f) + 4, 'text-anchor': 'end' }, f.toFixed(2));
  add('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle' }, 'median latency per query (ms)');
  add('text', { x: 12, y: (T + H - B) / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${(T + H - B) / 2})` }, 'recall@10');
  add('polyline', { class: 'line', points: points.map((p) => `${x(p.latencyMs)},${y(p.recall)}`).join(' ') });
  for (const p of points) {
    add('circle', { cx: x(p.latencyMs), cy: y(p.recall), r: 4, 'data-label': p.label });
    add('text', { x: x(p.latencyMs) + 6, y: y(p.recall) - 6 }, p.label);
  }
  const caption = document.createElement('p');
  caption.className = 'note';
  caption.textContent = title;
  container.replaceChildren(svg, caption);
}
