import assert from 'node:assert/strict';
import { loadConfig } from '@portico/portico';
import { configFolder } from './fixtures.ts';

const env = { HOME: '/home/test' };

describe('loadConfig on a large YAML map', () => {
  let folder: Awaited<ReturnType<typeof configFolder>>;
  beforeEach(async () => (folder = await configFolder()));
  afterEach(() => folder.remove());

  // The YAML library's own check of repeated keys compares each key with every one before it:
  // 20 000 keys in one map took 8.9 s to parse (0.48 s without it), 40 000 took 10 s of CPU in
  // portico check, and a file within the 16 MiB limit could hold the control process's event
  // loop for hours at a reload. Portico's own check is one pass. The limit below is 20 times
  // what one pass takes here on a loaded machine; the old check took over a minute.
  it('reads a YAML map of 50 000 keys in one pass, not in a time that grows with its square', async function () {
    this.timeout(60_000);
    const keys = Array.from({ length: 50_000 }, (_, i) => `      V${i}: x`).join('\n');
    const text = `listen: [{port: 8080}]\napps:\n  - name: shop\n    processPath: node\n    environmentVariables:\n${keys}\n`;
    const config = await loadConfig(await folder.write('p.yaml', text), { env });
    assert.equal(Object.keys(config.apps[0]!.environmentVariables).length, 50_000);
  });

  // Each key that is an alias (`*a : y`) was resolved by the yaml library's Alias.resolve, which
  // walks the whole document to find its anchor: one walk per alias key, so 1 000 of them in a
  // small file took 30 s of CPU on a loaded machine, and 500 beside 50 000 other keys far longer
  // than this test's limit, holding portico check, or the control's event loop at a reload.
  // Portico resolves them in one walk of its own.
  it('reads a YAML map of 50 000 keys and 500 that are aliases, in one walk, not one walk of the document each', async function () {
    this.timeout(60_000);
    const plain = Array.from({ length: 50_000 }, (_, i) => `      V${i}: x`);
    const aliases = Array.from({ length: 500 }, (_, i) => `      A${i}: &a${i} x${i}\n      *a${i} : y`);
    const text = `listen: [{port: 8080}]\napps:\n  - name: shop\n    processPath: node\n    environmentVariables:\n${[...plain, ...aliases].join('\n')}\n`;
    const config = await loadConfig(await folder.write('p.yaml', text), { env });
    const variables = config.apps[0]!.environmentVariables;
    assert.equal(Object.keys(variables).length, 51_000);
    assert.equal(variables['x499'], 'y');
  });
});
