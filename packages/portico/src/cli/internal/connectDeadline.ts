import type http from 'node:http';

/** What `connectDeadline` tells of a request's connection. */
export interface ConnectWatch {
  /** Whether the connection was made: after it, silence is Portico's; before, the address's. */
  connected(): boolean;
}

/**
 * Bounds the connection of an admin request to `ms`, then fails it with `ETIMEDOUT`, and watches
 * whether it was made. `ClientRequest.setTimeout` starts only once the socket is connected, so a
 * connection that got no answer (a host down, a firewall that drops packets, a wrong address)
 * waited for the kernel's own limit, about two minutes, and its `ETIMEDOUT` was then taken for a
 * silent Portico.
 */
export function connectDeadline(req: http.ClientRequest, ms: number | undefined): ConnectWatch {
  let connected = false;
  req.once('socket', (socket) => {
    if (!socket.connecting) return void (connected = true);
    const timer = ms === undefined ? undefined : setTimeout(() => req.destroy(Object.assign(new Error('no answer to the connection'), { code: 'ETIMEDOUT' })), ms);
    socket.once('connect', () => {
      connected = true;
      clearTimeout(timer);
    });
    socket.once('close', () => clearTimeout(timer));
  });
  return { connected: () => connected };
}
