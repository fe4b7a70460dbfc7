import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { freePort, onFreePort } from '@portico/test-support';

describe('onFreePort', () => {
  it('starts again on another port when each language says the port is in use', async () => {
    const refusals = ['Error: listen EADDRINUSE: address already in use 127.0.0.1:1', 'OSError: [Errno 98] Address already in use', 'listen tcp 127.0.0.1:1: bind: address in use'];
    const tried: number[] = [];
    const { port, started } = await onFreePort(async (free) => {
      tried.push(free);
      const refusal = refusals[tried.length - 1];
      if (refusal !== undefined) throw new Error(refusal);
      return 'up';
    });
    assert.equal(started, 'up');
    assert.equal(tried.length, 4);
    assert.equal(port, tried[3]);
  });

  it('reports any other failure at once, and a port in use after five tries', async () => {
    let calls = 0;
    await assert.rejects(onFreePort(() => Promise.reject(new Error(`the backend crashed (${++calls})`))), /the backend crashed \(1\)/);
    calls = 0;
    await assert.rejects(onFreePort(() => Promise.reject(new Error(`EADDRINUSE (${++calls})`))), /EADDRINUSE \(5\)/);
  });
});

describe('freePort', () => {
  it('gives a port that can be listened on', async () => {
    const server = createServer().listen(await freePort(), '127.0.0.1');
    await once(server, 'listening');
    server.close();
  });
});
