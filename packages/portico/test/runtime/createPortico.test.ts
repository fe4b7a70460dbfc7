import assert from 'node:assert/strict';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig } from '../../src/index.ts';

const config = resolveConfig({ listen: [{ port: 0 }], apps: [{ name: 'shop', processPath: '/bin/true' }] }, { file: '/tmp/portico.json', baseDir: '/tmp' });

describe('createPortico', () => {
  // An embedder that stopped its Portico and started it again (a host restarting its subsystem)
  // got start()'s first answer back and every request answered 503 for good, with no error.
  it('refuses start() after stop(), saying to create a new Portico', async () => {
    const portico = createPortico(config, { logger: createLogger({ level: 'silent' }) });
    await portico.start({ listen: false });
    await portico.stop();
    await assert.rejects(portico.start({ listen: false }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'PORTICO_ERR_PORTICO_STOPPED');
      assert.match(error.message, /createPortico/);
      return true;
    });
  });

  it('refuses start() after a stop() that came first', async () => {
    const portico = createPortico(config, { logger: createLogger({ level: 'silent' }) });
    await portico.stop();
    await assert.rejects(portico.start({ listen: false }), { code: 'PORTICO_ERR_PORTICO_STOPPED' });
  });
});
