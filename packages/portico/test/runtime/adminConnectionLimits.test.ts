import assert from 'node:assert/strict';
import { defaultAdminConnectionLimits } from '@portico/listener';
import { resolveConfig } from '../../src/index.ts';
import { adminConnectionLimits } from '../../src/runtime/adminConnectionLimits.ts';

const where = { file: '/srv/portico/portico.json', baseDir: '/srv/portico' };
const configWith = (admin: Record<string, unknown>) =>
  resolveConfig({ listen: [{ port: 8080 }], admin: { port: 9901, ...admin }, apps: [{ name: 'shop', processPath: '/usr/bin/node' }] }, where);

describe('adminConnectionLimits', () => {
  it('gives the admin server the limits admin.limits says, times in milliseconds', () => {
    const config = configWith({ limits: { maxConnections: 40, maxUnadmitted: 8, headersTimeout: 2.5 } });
    assert.deepEqual(adminConnectionLimits(config.admin!.limits), { connections: 40, unadmitted: 8, headTimeoutMs: 2500 });
  });

  it('defaults to the admin server\'s own defaults, one key or all left out', () => {
    assert.deepEqual(adminConnectionLimits(configWith({}).admin!.limits), defaultAdminConnectionLimits);
    assert.deepEqual(adminConnectionLimits(configWith({ limits: { maxUnadmitted: 16 } }).admin!.limits), { ...defaultAdminConnectionLimits, unadmitted: 16 });
  });
});
