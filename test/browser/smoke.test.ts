import { expect, it } from 'vitest';
it('has OPFS and IndexedDB', async () => {
  const root = await navigator.storage.getDirectory();
  expect(root.kind).toBe('directory');
  expect(typeof indexedDB.open).toBe('function');
});
