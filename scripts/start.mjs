// `npm start`: the Milvus REST v2 endpoint on workerd (wrangler dev, local DO + R2 state in
// .wrangler/state) and the Vite demo app, side by side. Ctrl-C stops both.
import { spawn } from 'node:child_process';

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
const procs = [
  ['edge', bin('wrangler'), ['dev', '--ip', '127.0.0.1', '--port', '8787', '--persist-to', '.wrangler/state', '--var', 'VESPER_LOCAL_DEV:true']],
  ['demo', bin('vite'), ['--host', '127.0.0.1', '--port', '5173', '--strictPort']],
];

console.log('Vesper');
console.log('  Milvus REST v2 endpoint: http://127.0.0.1:8787  (Authorization: Bearer root:Milvus; set ROOT_PASSWORD in .dev.vars to change it)');
console.log('  demo app:                http://127.0.0.1:5173');

const children = procs.map(([name, cmd, args]) => {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const prefix = (stream, out) =>
    stream.on('data', (chunk) => {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') out.write(`[${name}] ${line}\n`);
    });
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code) => {
    console.log(`[${name}] exited with ${code}`);
    stop(code ?? 0);
  });
  return child;
});

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
