import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * A port on 127.0.0.1 that was free a moment ago, for a test that must name a port up front (a
 * backend told PORTICO_PORT, a config's listen entry). Another test running in parallel may take it
 * before it is used: start a backend on one through `onFreePort`, which tries again.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (typeof address !== 'object' || address === null) throw new Error('the probe server has no TCP address');
  return address.port;
}
