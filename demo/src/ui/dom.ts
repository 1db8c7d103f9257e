/** Small DOM helpers: typed lookups, element creation, the aria-live status line, number formats. */

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  return e as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

/** The page's one status line (an aria-live region): what is happening, or what failed. */
export function status(text: string): void {
  $('status').textContent = text;
}

export const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : Math.round(x).toString()) + ' ms';
export const int = (x: number): string => Math.round(x).toLocaleString('en-US');
export const bytes = (x: number): string => (x < 1024 ** 2 ? `${(x / 1024).toFixed(1)} KiB` : x < 1024 ** 3 ? `${(x / 1024 ** 2).toFixed(1)} MiB` : `${(x / 1024 ** 3).toFixed(2)} GiB`);

/** Runs an action with its button disabled; a failure goes to the status line, never unhandled. */
export async function busy(button: HTMLButtonElement | undefined, run: () => Promise<void>): Promise<void> {
  if (button) button.disabled = true;
  try {
    await run();
  } catch (err) {
    const e = err as { code?: number; message?: string };
    status(`failed${e.code ? ` (code ${e.code})` : ''}: ${e.message ?? String(err)}`);
  } finally {
    if (button) button.disabled = false;
  }
}
