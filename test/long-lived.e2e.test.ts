import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { resolveConfig } from '@portico/portico';
import { WebSocket } from 'ws';
import { changed } from './helpers/load.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';

/** Sends `text` and resolves with the echo. */
async function echo(ws: WebSocket, text: string): Promise<string> {
  const answer = once(ws, 'message');
  ws.send(text);
  return String((await answer)[0]);
}

// Issue 16: long-lived connections to an old worker are not cut sooner than shutdownTimeLimit
// after the switch. A WebSocket no longer held its worker's drain, so the old worker got SIGTERM
// the moment the switch happened, and a backend that stops at once cut every open socket.
describe('a WebSocket to a worker that is rolled over', function () {
  this.timeout(30_000);
  afterEach(stopAllPorticos);

  // A restart replaces a worker in its pool; a reload of a changed app retires the whole old pool
  // (Portico's reload, rollOut): both must let the old worker's connections run their time.
  for (const how of ['restart', 'reload'] as const) {
    it(`stays open and served by the old worker until shutdownTimeLimit after the switch of a ${how}, then is closed`, async () => {
      const shutdownTimeLimit = 2;
      const shop = (version: string) => app('shop', { start: 'eager', shutdownTimeLimit, environmentVariables: { EXIT_ON_SIGTERM: '1', VERSION: version } });
      const { portico, port, dir } = await startPortico({ apps: [shop('1')] });
      await changed(portico, () => portico.ready());
      const ws = new WebSocket(`ws://127.0.0.1:${port}/socket`);
      await once(ws, 'open');
      assert.equal(await echo(ws, 'before'), 'before');
      const closed = once(ws, 'close');
      // Each resolves once traffic has moved to the new worker; the old one drains.
      const switched =
        how === 'restart'
          ? await portico.restart('shop')
          : await portico.reload(resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], apps: [shop('2')] }, { file: join(dir, 'portico.json'), baseDir: dir }));
      assert.equal(switched.ok, true, JSON.stringify(switched));
      const switchedAt = performance.now();
      assert.equal(await echo(ws, 'after the switch'), 'after the switch');
      const [code] = (await closed) as [number];
      const openFor = performance.now() - switchedAt;
      assert.ok(openFor >= shutdownTimeLimit * 1000 - 300, `cut ${Math.round(openFor)} ms after the switch`);
      assert.ok(openFor <= shutdownTimeLimit * 1000 + 2_000, `still open ${Math.round(openFor)} ms after the switch`);
      assert.equal(code, 1006, 'the client sees the connection end without a close frame');
    });
  }
});
