import assert from 'node:assert/strict';
import { adminTarget } from '../../src/cli/internal/adminTarget.ts';
import { UsageError } from '../../src/cli/UsageError.ts';

const io = { stdout: () => {}, stderr: () => {}, env: {}, cwd: '/' };

describe('adminTarget -a HOST:PORT', () => {
  for (const [given, url] of [
    ['127.0.0.1:9901', 'http://127.0.0.1:9901'],
    ['localhost:80', 'http://localhost:80'],
    ['[::1]:9901', 'http://[::1]:9901'],
    ['9901', 'http://127.0.0.1:9901'],
  ] as const) {
    it(`reads ${given} as ${url}`, async () => {
      assert.equal((await adminTarget({ admin: given }, io, 'status')).url, url);
    });
  }

  for (const given of ['localhost', ':9901', '[nope]:9901', 'a:b:9901', '127.0.0.1:0', '127.0.0.1:70000', '']) {
    it(`refuses ${JSON.stringify(given)} as a usage error`, async () => {
      await assert.rejects(adminTarget({ admin: given }, io, 'status'), (error: unknown) => error instanceof UsageError && /is not HOST:PORT/.test(error.message));
    });
  }

  it('refuses -a together with -c', async () => {
    await assert.rejects(adminTarget({ admin: '9901', config: 'portico.json' }, io, 'status'), /either -c FILE or -a HOST:PORT, not both/);
  });
});
