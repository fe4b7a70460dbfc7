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
});
