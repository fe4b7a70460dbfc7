import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';

const root = new URL('../', import.meta.url);

describe('workspace', () => {
  it('lists every package of the architecture in the root tsconfig references', async () => {
    const tsconfig = JSON.parse(await readFile(new URL('tsconfig.json', root), 'utf8')) as {
      references: { path: string }[];
    };
    const referenced = tsconfig.references.map((r) => r.path).filter((p) => p.startsWith('packages/'));
    const present = (await readdir(new URL('packages/', root))).map((name) => `packages/${name}`);
    assert.deepEqual([...referenced].sort(), [...present].sort());
  });
});
