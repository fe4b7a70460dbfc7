import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { createRequestGuard } from './internal/createRequestGuard.ts';
import type { RequestCheckOptions } from './RequestCheckOptions.ts';

/**
 * The request check for WebSocket (and other) upgrades: wrap a server's `'upgrade'` listener.
 * An upgrade without the valid token gets `400 Bad Request` and the socket is closed; a valid one
 * has the token removed, gets `req.portico`, and reaches `handler`. Same rules as `withPortico`.
 *
 * @example
 * server.on('upgrade', withPorticoUpgrade((req, socket, head) => {
 *   wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
 * }));
 */
export function withPorticoUpgrade<Req extends IncomingMessage>(
  handler: (req: Req, socket: Duplex, head: Buffer) => unknown,
  options?: RequestCheckOptions,
): (req: Req, socket: Duplex, head: Buffer) => void {
  const admit = createRequestGuard(options);
  return (req, socket, head) => {
    // The check answers through a response; give it one written straight onto the socket.
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    if (admit(req, res)) {
      res.detachSocket(socket as Socket);
      void handler(req, socket, head);
    } else {
      res.once('finish', () => socket.destroy());
    }
  };
}
