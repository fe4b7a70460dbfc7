import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { app, request, startPortico, stopAllPorticos, type Reply } from './helpers/portico.ts';

const unanswering = fileURLToPath(new URL('./fixtures/unanswering-backend.mjs', import.meta.url));

/** The correlation id an error page shows. */
function correlationId(reply: Reply, what: string): string {
  const id = /Correlation id: <code>([^<]+)<\/code> \(search the Portico log for it\)/.exec(reply.body)?.[1];
  assert.ok(id, `${what}: ${reply.status} without a correlation id: ${JSON.stringify(reply.body.slice(0, 120))}`);
  return id;
}

// Issue 19: an error page says "Correlation id: … (search the Portico log for it)", and the id
// was not found in Portico's log. Each kind of page Portico gives is provoked here, its id read
// from the page and looked for in the log.
describe('the correlation id on an error page', function () {
  this.timeout(30_000);
  afterEach(stopAllPorticos);

  it('is in the Portico log, for every kind of error page', async () => {
    const { portico, port, logs } = await startPortico({
      apps: [
        app('crashing', { match: { path: '/crash' }, environmentVariables: { CRASH_AT_START: '1' }, rapidFailsPerMinute: 1, restart: { backoff: { min: 0, max: 0 } } }),
        app('queueless', { match: { path: '/queue' }, queue: { maxWaiting: 0 } }),
        app('slow', { match: { path: '/slow' }, requestTimeout: 1, environmentVariables: { DELAY_MS: '5000' } }),
        app('stopped', { match: { path: '/stopped' } }),
        { name: 'dropping', match: { path: '/drop' }, processPath: process.execPath, arguments: [unanswering], environmentVariables: { FAILS: 'exit' }, startupTimeLimit: 10 },
      ],
    });
    assert.equal((await portico.stopApp('stopped')).ok, true);
    const pages: Array<[string, number, () => Promise<Reply>]> = [
      ['no app here', 404, () => request(port, '/nowhere')],
      ['the start-up failure page', 502, () => request(port, '/crash')],
      ['a full queue', 503, () => request(port, '/queue')],
      ['an app stopped by its operator', 503, () => request(port, '/stopped')],
      ['a backend that sent nothing within requestTimeout', 504, () => request(port, '/slow')],
      ['a POST to a worker that failed to start', 502, () => request(port, '/drop', { method: 'POST', body: 'x' })],
    ];
    for (const [what, status, provoke] of pages) {
      const reply = await provoke();
      assert.equal(reply.status, status, `${what}: ${reply.body.slice(0, 120)}`);
      const id = correlationId(reply, what);
      const line = logs.find((entry) => entry['requestId'] === id);
      assert.ok(line, `${what}: no log line has requestId ${id}`);
      assert.equal(line['event'], 'proxy.error_page');
      assert.equal(line['status'], status);
    }
  });
});
