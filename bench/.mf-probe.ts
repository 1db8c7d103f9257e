import { unstable_getMiniflareWorkerOptions } from 'wrangler';
const o = unstable_getMiniflareWorkerOptions('/work/main/wrangler.toml');
console.log(Object.keys(o), JSON.stringify(o.workerOptions, (k, v) => (typeof v === 'bigint' ? String(v) : v)).slice(0, 1500));
