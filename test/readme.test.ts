/**
 * The README's Node example (the code block under "## Node (embedded)") is plain JavaScript
 * ESM, run here from the sources (tsx resolves @vesper/core to its TypeScript through the
 * `vesper-source` condition) in a fresh data directory, and its output checked. The same block
 * runs with plain `node` against the packed tarballs in test/consumers (a). `npm run example`
 * builds @vesper/core and runs packages/core/examples/quickstart.mjs, which must be that block
 * byte for byte.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { cleanup, tempDir } from './fixtures/open.ts';
import { readmeBlock } from './fixtures/readme.ts';

afterAll(cleanup);
const root = join(import.meta.dirname, '..');

it('the README Node example is plain JavaScript, runs and prints the expected hit', async () => {
  const { lang, code } = await readmeBlock('Node (embedded)');
  expect(lang).toBe('js');
  const file = join(root, 'test', '.readme-example.mjs');
  await writeFile(file, code);
  try {
    const dir = await tempDir();
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=vesper-source', '--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, VESPER_DATA: join(dir, 'db') },
    });
    expect(stdout).toContain("title: 'Hyperion'");
    expect(stdout).not.toContain('Dune');
  } finally {
    await rm(file, { force: true });
  }
}, 60_000);

it('npm run example runs exactly the README example, with plain node against the built package', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts.example).toBe('node scripts/build-package.mjs packages/core && node packages/core/examples/quickstart.mjs');
  const example = await readFile(join(root, 'packages', 'core', 'examples', 'quickstart.mjs'), 'utf8');
  expect(example).toBe((await readmeBlock('Node (embedded)')).code);
});
