import assert from 'node:assert/strict';
import { assertOnlyItsConnectionsSuffered, clientsAcrossTwoFronts, progressed } from './helpers/frontClients.ts';
import { changed } from './helpers/load.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';

// Issue 21: a front that crashes is restarted while the others keep serving, and the listening
// socket never stops accepting. What this holds, precisely: the front is SIGKILLed while eight
// or more clients send back-to-back requests on keep-alive connections spread over both fronts.
// Every connection held by the other front goes on with no failed request and stays the same
// connection; a connection held by the killed front is lost with it (at most the one request in
// flight on it fails), and its client's next connection is served at once; the killed front is
// restarted and listens again.
describe('fronts: a front killed under load', function () {
  this.timeout(90_000);
  afterEach(stopAllPorticos);

  it('costs only the connections it held: the other front serves on without a failure, and it is restarted', async () => {
    const { portico, port, logs } = await startPortico({ fronts: 2, apps: [app('shop', { start: 'eager', processesPerApplication: 2 })] });
    await changed(portico, () => portico.status().apps[0]?.workers.filter((w) => w.state === 'ready').length === 2);
    const { clients, victim, victims, survivors, before } = await clientsAcrossTwoFronts(portico, port);

    process.kill(victim, 'SIGKILL');
    await changed(portico, () => {
      const front = portico.status().fronts?.[0];
      return front?.restarts === 1 && front.state === 'serving';
    });
    await progressed(clients, 5);
    await Promise.all(clients.map((c) => c.stop()));

    assertOnlyItsConnectionsSuffered({ survivors, victims, before });
    assert.ok(logs.some((l) => l['event'] === 'front.exited' && l['signal'] === 'SIGKILL' && l['frontPid'] === victim));
    const restarted = portico.status().fronts![0]!;
    assert.ok(restarted.pid !== undefined && restarted.pid !== victim, 'a new front process listens in its place');
  });
});
