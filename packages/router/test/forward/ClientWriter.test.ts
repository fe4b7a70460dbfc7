import assert from 'node:assert/strict';
import { once } from 'node:events';
import { ClientWriter } from '../../src/internal/forward/ClientWriter.ts';
import { socketPair } from './socketPair.ts';

// Bytes lent for one call (a view of a read buffer the next read overwrites) must never reach
// the client as whatever the buffer holds later, inside a batch or outside one.
describe('ClientWriter.writeLent', () => {
  const watcher = { onClientBlocked: () => {}, onClientDrained: () => {} };

  for (const batched of [false, true]) {
    it(`sends the bytes as they were when lent, ${batched ? 'inside' : 'outside'} a batch, though the buffer is written over before the socket sends them`, async () => {
      const pair = await socketPair();
      try {
        const writer = new ClientWriter(pair.accepted, watcher);
        const readBuffer = Buffer.from('HTTP/1.1 200 OK\r\n\r\n', 'latin1');
        // Corked, the socket keeps what it is given until uncork: a view it kept would show the overwrite.
        pair.accepted.cork();
        if (batched) writer.begin();
        writer.writeLent(readBuffer.subarray(0));
        if (batched) writer.flush();
        readBuffer.fill(0x78);
        pair.accepted.uncork();
        pair.accepted.end();
        let got = '';
        pair.client.on('data', (d: Buffer) => (got += d.toString('latin1')));
        await once(pair.client, 'end');
        assert.equal(got, 'HTTP/1.1 200 OK\r\n\r\n');
      } finally {
        pair.close();
      }
    });
  }
});
