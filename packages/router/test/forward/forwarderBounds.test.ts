import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { REQUESTS_PER_TURN } from '../../src/internal/forward/connectionBounds.ts';
import { closeAll, PIPELINED_GET, rawRequest, startProxy } from './harness.ts';

// The bounds both engines share (a never-reading pipeliner, 1xx, stray bytes, tiny chunks) are in
// connectionBounds.test.ts.
describe('forwarder bounds', () => {
  afterEach(closeAll);

  describe('one read of thousands of pipelined requests', () => {
    it('begins at most REQUESTS_PER_TURN of them per turn of the event loop, and another client is served meanwhile', async () => {
      const burst = 1_000;
      // Turns of the event loop, counted by an immediate that queues itself again each turn.
      let turn = 0;
      let counting = true;
      const tick = (): void => {
        turn++;
        if (counting) setImmediate(tick);
      };
      setImmediate(tick);
      const burstTurns = new Map<number, number>();
      let burstBegun = 0;
      let burstBegunWhenOtherArrived = -1;
      const proxy = await startProxy({
        pickUpstream: () => undefined,
        dispatch: ({ head }) => {
          if (head.path === '/other') burstBegunWhenOtherArrived = burstBegun;
          else {
            burstBegun++;
            burstTurns.set(turn, (burstTurns.get(turn) ?? 0) + 1);
          }
          return { kind: 'respond', status: 200, body: 'ok' };
        },
      });
      try {
        const flooder = net.connect(proxy.port, '127.0.0.1');
        await once(flooder, 'connect');
        let answered = 0;
        let text = '';
        const allAnswered = new Promise<void>((resolve) => flooder.on('data', (d: Buffer) => {
          text += d.toString('latin1');
          answered = text.split('HTTP/1.1 200').length - 1;
          if (answered === burst) resolve();
        }));
        flooder.write(PIPELINED_GET.replaceAll('/ ', '/burst ').repeat(burst));
        while (answered === 0) await once(flooder, 'data');
        const other = await rawRequest(proxy.port, 'GET /other HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
        assert.match(other.text, /^HTTP\/1\.1 200 /);
        await allAnswered;
        flooder.destroy();
        const mostInOneTurn = Math.max(...burstTurns.values());
        assert.ok(mostInOneTurn <= REQUESTS_PER_TURN, `${mostInOneTurn} pipelined requests were begun in one turn`);
        assert.ok(burstBegunWhenOtherArrived < burst, 'the other client was served only after the whole burst');
      } finally {
        counting = false;
      }
    });
  });
});
