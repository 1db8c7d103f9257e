// Regenerates demo/public/arxiv/ from the arxiv-gte-small-1k dataset (MeMemo demo data, MIT):
//   base.f32   900 × 384 float32, little-endian, row-major (the papers in the collection)
//   query.f32  100 × 384 float32 (held-out papers: query by a paper that is not in the collection)
//   texts.json {dim, base: [[title, abstract]], query: [[title, abstract]]}
// Usage: node demo/scripts/prepare-arxiv.mjs <dataset dir>
//   the dir holds the arxiv-gte-small-1k files: base.fvecs (900 × 384), query.fvecs (100 × 384), texts.json
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const src = process.argv[2];
if (src === undefined) {
  console.error('usage: node demo/scripts/prepare-arxiv.mjs <dir with base.fvecs, query.fvecs, texts.json>');
  process.exit(2);
}
const out = join(root, 'demo', 'public', 'arxiv');

/** fvecs (int32 dim, then dim float32 per row) → one packed float32 buffer. */
function packFvecs(file) {
  const buf = readFileSync(file);
  const dim = buf.readInt32LE(0);
  const rows = buf.length / (4 + dim * 4);
  const packed = Buffer.alloc(rows * dim * 4);
  for (let r = 0; r < rows; r++) {
    if (buf.readInt32LE(r * (4 + dim * 4)) !== dim) throw new Error(`${file}: row ${r} has another dimension`);
    buf.copy(packed, r * dim * 4, r * (4 + dim * 4) + 4, (r + 1) * (4 + dim * 4));
  }
  return { dim, rows, packed };
}

const base = packFvecs(join(src, 'base.fvecs'));
const query = packFvecs(join(src, 'query.fvecs'));
const texts = JSON.parse(readFileSync(join(src, 'texts.json'), 'utf8'));
if (texts.base.length !== base.rows || texts.query.length !== query.rows) throw new Error('texts.json and the vectors disagree on row counts');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'base.f32'), base.packed);
writeFileSync(join(out, 'query.f32'), query.packed);
const pair = (t) => [t.title, t.abstract];
writeFileSync(join(out, 'texts.json'), JSON.stringify({ dim: base.dim, base: texts.base.map(pair), query: texts.query.map(pair) }));
writeFileSync(
  join(out, 'README.md'),
  `# arXiv demo data

1,000 machine-learning arXiv papers (title, abstract) embedded with gte-small (384-d, unit length),
the demo data of the MeMemo project (poloclub/mememo, MIT licence,
\`data/ml-arxiv-papers-1k.ndjson.gzip\` @ 60280a3e). Split as in arxiv-gte-small-1k: the ${base.rows}
papers whose source id % 10 != 9 are the collection (\`base.f32\`), the other ${query.rows} are held-out
queries (\`query.f32\`). Vectors: float32 little-endian, row-major, ${base.dim} per row.
\`texts.json\`: \`{dim, base: [[title, abstract]], query: [[title, abstract]]}\` in row order.
Regenerate with \`node demo/scripts/prepare-arxiv.mjs <dataset dir>\`.
`,
);
console.log(`wrote ${base.rows} base and ${query.rows} query papers (${base.dim}-d) to ${out}`);
