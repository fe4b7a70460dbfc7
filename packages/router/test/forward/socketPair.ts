import { once } from 'node:events';
import net from 'node:net';

/** A connected pair over loopback: the socket `net.Server` accepted (made with `options`), and the client's. */
export async function socketPair(options: net.ServerOpts = {}): Promise<{ readonly accepted: net.Socket; readonly client: net.Socket; readonly close: () => void }> {
  const server = net.createServer(options);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const [accepted] = (await once(server, 'connection')) as [net.Socket];
  await once(client, 'connect');
  return {
    accepted,
    client,
    close: () => {
      accepted.destroy();
      client.destroy();
      server.close();
    },
  };
}
