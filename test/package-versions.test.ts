/**
 * Internal versions move together: the repository's package.json, every workspace package
 * (packages/* and demo) and every dependency on a workspace package name one version, pinned
 * exactly (no range, no `workspace:` protocol), so `npm pack` tarballs depend on each other's
 * published versions and nothing else.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  [field: string]: unknown;
}

const root = join(import.meta.dirname, '..');
const DEP_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

async function manifests(): Promise<Map<string, Manifest>> {
  const dirs = [root, join(root, 'demo'), ...(await readdir(join(root, 'packages'))).map((p) => join(root, 'packages', p))];
  const out = new Map<string, Manifest>();
  for (const dir of dirs) {
    const text = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) out.set(dir, JSON.parse(text) as Manifest);
  }
  return out;
}

it('every Vesper package has the same version, and every internal dependency pins exactly it', async () => {
  const all = await manifests();
  const version = all.get(root)!.version;
  expect(version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
  const names = new Set([...all.values()].map((m) => m.name));
  expect([...names].filter((n) => n.startsWith('@vesper/')).sort()).toEqual(['@vesper/browser', '@vesper/core', '@vesper/demo', '@vesper/edge', '@vesper/worker']);
  const wrong: string[] = [];
  let internal = 0;
  for (const [dir, m] of all) {
    if (m.version !== version) wrong.push(`${m.name} (${dir}) is ${m.version}, not ${version}`);
    for (const field of DEP_FIELDS) {
      for (const [dep, range] of Object.entries((m[field] ?? {}) as Record<string, string>)) {
        if (!names.has(dep)) continue;
        internal += 1;
        if (range !== version) wrong.push(`${m.name} ${field}.${dep} is "${range}", not "${version}"`);
      }
    }
  }
  expect(wrong).toEqual([]);
  expect(internal).toBeGreaterThanOrEqual(5); // worker→core, browser→core+worker, edge→core, demo→browser
});

it('no published package depends on a private one', async () => {
  const all = [...(await manifests()).values()];
  const privateNames = new Set(all.filter((m) => m.private === true).map((m) => m.name));
  for (const m of all.filter((x) => x.private !== true)) {
    for (const field of DEP_FIELDS.filter((f) => f !== 'devDependencies')) {
      expect(Object.keys((m[field] ?? {}) as Record<string, string>).filter((d) => privateNames.has(d)), `${m.name} ${field}`).toEqual([]);
    }
  }
});
