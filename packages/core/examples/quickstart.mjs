// app.mjs: Vesper embedded in Node (in this repository: packages/core/examples/quickstart.mjs, `npm run example`).
import { openDatabase } from '@vesper/core/node';

const db = await openDatabase({ path: process.env.VESPER_DATA ?? '.vesper-data/quickstart' });
if (!(await db.hasCollection({ collection_name: 'books' })).value) {
  await db.createCollection({ collection_name: 'books', dimension: 4, metric_type: 'COSINE' });
}
await db.insert({
  collection_name: 'books',
  data: [
    { id: 1, vector: [0.1, 0.9, 0.2, 0.0], title: 'Dune', year: 1965 },
    { id: 2, vector: [0.8, 0.1, 0.1, 0.3], title: 'Neuromancer', year: 1984 },
    { id: 3, vector: [0.2, 0.8, 0.3, 0.1], title: 'Hyperion', year: 1989 },
  ],
});
const { results } = await db.search({
  collection_name: 'books',
  data: [0.15, 0.85, 0.25, 0.05],
  limit: 2,
  filter: 'year > 1970 and title like "H%"',
  output_fields: ['title', 'year'],
});
console.log(results); // [{ id: '3', title: 'Hyperion', year: 1989, score: 0.99… }]
await db.close();
