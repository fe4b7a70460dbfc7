import assert from 'node:assert/strict';
import type { AppStatus, PorticoStatus } from '@portico/listener';
import { statusTable } from '../../src/cli/internal/statusTable.ts';

describe('statusTable', () => {
  it('says under the table why a failed app is down and when it starts again', () => {
    const now = 1_000_000;
    const shop: AppStatus = {
      name: 'shop',
      match: { host: '*', path: '/' },
      state: 'failed',
      eager: true,
      queueDepth: 0,
      failure: '3 restarts within 60 s passed rapidFailsPerMinute (2); last exit: crashed, code 1',
      retryAt: now + 95_000,
      workers: [{ id: 'shop#1', state: 'failed', pid: undefined, endpoint: undefined, restarts: 2, inFlight: 0, readySince: undefined, lastExit: { kind: 'crashed', code: 1, signal: null, uptimeMs: 5, stderrTail: '' } }],
    };
    const status: PorticoStatus = { startedAt: now - 5_000, version: '0.1.0', pid: 42, apps: [shop] };
    const text = statusTable(status, status.apps, now);
    assert.match(text, /^  shop#1 +failed +- +- +- +2 +0 +code 1$/m);
    assert.match(text, /^shop: failed: 3 restarts within 60 s passed rapidFailsPerMinute \(2\); last exit: crashed, code 1; started again by itself in 1m 35s$/m);
  });
});
