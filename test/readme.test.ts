/**
 * The README's example is run as written: the first ```ts block is extracted, executed with
 * tsx in a fresh data directory, and its output checked. `npm run example` runs
 * packages/core/examples/quickstart.ts, which must be that block byte for byte.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { cleanup, tempDir } from './fixtures/open.ts';

afterAll(cleanup);

it('the README example runs and prints the expected hit', async () => {
  const root = join(import.meta.dirname, '..');
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  const file = join(root, 'test', '.readme-example.ts');
  await writeFile(file, code!);
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

it('npm run example runs exactly the README example', async () => {
  const root = join(import.meta.dirname, '..');
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts.example).toMatch(/^tsx( --[\w=-]+)* packages\/core\/examples\/quickstart\.ts$/);
  const example = await readFile(join(root, 'packages', 'core', 'examples', 'quickstart.ts'), 'utf8');
  expect(example).toBe(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]);
});
