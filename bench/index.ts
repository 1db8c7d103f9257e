/**
 * `npm run bench`: runs every benchmark suite in one process, one after another, and prints
 * their markdown sections (the same text docs/BENCHMARKS.md records). Suites are modules in
 * bench/suites/ that default-export `async (argv: string[]) => string`. Pass suite names to
 * run only those: `npm run bench -- filter`.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./suites/', import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
console.log(`# Vesper benchmarks\n\nnode ${process.version}, ${new Date().toISOString()}\n`);
for (const file of files) {
  const name = file.replace(/\.ts$/, '');
  if (only.length > 0 && !only.includes(name)) continue;
  const mod = (await import(new URL(`./suites/${file}`, import.meta.url).href)) as {
    default: (argv: string[]) => Promise<string>;
  };
  console.error(`[bench] ${name} ...`);
  console.log(await mod.default(process.argv.slice(2)));
}
