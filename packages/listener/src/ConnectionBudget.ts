import type net from 'node:net';

/**
 * One limit of open client connections over all of a listener's servers, as nginx's
 * `worker_connections` counts every connection of a worker whatever it listens on. Node's
 * `server.maxConnections` counts each server's alone (and takes 0 as no limit), so the listener
 * counts itself, at accept, before any handler or TLS handshake sees the socket.
 */
export interface ConnectionBudget {
  /** Counts an accepted socket until it closes; past the limit destroys it instead and returns false. */
  admit(socket: net.Socket): boolean;
  /** Changes the limit for connections accepted from now on; open ones stay open. */
  setMax(max: number): void;
}

export function createConnectionBudget(initialMax: number): ConnectionBudget {
  let max = initialMax;
  let open = 0;
  return {
    admit(socket) {
      if (open >= max) {
        socket.destroy();
        return false;
      }
      open++;
      socket.once('close', () => open--);
      return true;
    },
    setMax(next) {
      max = next;
    },
  };
}
