/**
 * The README and docs/ cite only the repository: every relative Markdown link resolves to a
 * file or folder that exists, and none points outside the repository (no http(s) links, no
 * path climbing out of it, no `../shared`).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

async function markdownFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await markdownFiles(path)));
    else if (entry.name.endsWith('.md')) out.push(path);
  }
  return out;
}

it('README and docs link only to files inside the repository, and those files exist', async () => {
  const files = [join(root, 'README.md'), ...(await markdownFiles(join(root, 'docs')))];
  const problems: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    if (text.includes('../shared')) problems.push(`${relative(root, file)}: mentions ../shared`);
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/i.test(target)) {
        problems.push(`${relative(root, file)}: external link ${target}`);
        continue;
      }
      const path = target.split('#')[0]!;
      if (path === '') continue; // an anchor in the same page
      const abs = resolve(dirname(file), path);
      if (relative(root, abs).startsWith('..')) problems.push(`${relative(root, file)}: ${target} leaves the repository`);
      else if (!existsSync(abs)) problems.push(`${relative(root, file)}: ${target} does not exist`);
    }
  }
  expect(problems).toEqual([]);
});
