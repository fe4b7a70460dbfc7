import net from 'node:net';

/**
 * The floor of a relay written in Node, the one every bench compares Portico with (its tunnels in
 * bench:websocket, its HTTP forwarding in bench:proxy and bench:proxy-cores): each accepted
 * connection gets a connection to `port` and bytes flow both ways with nothing else done, each
 * socket's reads lent by Node's `onread` out of one buffer per direction (no stream, no buffer per
 * read), each read copied (the far socket may queue it) and written straight on, no Nagle, no
 * timers, no backpressure. `net.Server` offers `onread` to no accepted socket, so the
 * accepted handle is taken over by a socket made with the option (`_handle`: a bench's floor,
 * never production code).
 */
export function bareRelay(port: number): net.Server {
  const fromClient = Buffer.allocUnsafe(64 * 1024);
  const fromBackend = Buffer.allocUnsafe(64 * 1024);
  return net.createServer({ pauseOnConnect: true }, (accepted) => {
    const handle = (accepted as unknown as { _handle: unknown })._handle;
    const relay = (buffer: Buffer, to: () => net.Socket) => ({
      buffer,
      callback: (length: number): boolean => {
        to().write(Buffer.from(buffer.subarray(0, length)));
        return true;
      },
    });
    const backend = net.connect({ port, host: '127.0.0.1', noDelay: true, onread: relay(fromBackend, () => client) } as net.NetConnectOpts);
    const client: net.Socket = new net.Socket({ handle, onread: relay(fromClient, () => backend) } as net.SocketConstructorOpts);
    client.setNoDelay(true);
    // The client's first bytes (its handshake) wait until they can be written on.
    backend.once('connect', () => client.resume());
    const close = (): void => {
      client.destroy();
      backend.destroy();
    };
    for (const socket of [client, backend]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  });
}
