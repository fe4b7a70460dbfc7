import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { ListenFailedError } from '@portico/listener';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';

/** A socket the control process bound for one listen entry, which the fronts listen on. */
export interface FrontSocket {
  /** libuv's TCP handle; its `fd` is inherited by each front (`spawnFront`), which listens on it. */
  readonly handle: object & { readonly fd: number; close(): void };
  readonly proto: 'http' | 'https';
  readonly host: string;
  readonly port: number;
}

/** What Node's `net` has, undocumented, for cluster's shared sockets: bind without listening. */
type CreateServerHandle = (address: string, port: number, addressType: number, fd: undefined, flags: number) => (object & { readonly fd: number; close(): void; getsockname(out: object): number }) | number;

/**
 * Binds every listen entry once, in the control process, without accepting on it: the fronts
 * listen on copies of these sockets and accept from the one queue, and because the control keeps
 * them open until Portico's stop (`FrontFleet.stopAccepting`), the kernel goes on queueing
 * connections while a front restarts.
 * This is what cluster's `SCHED_NONE` does (`net._createServerHandle`), and works on every Node
 * line Portico supports (docs/architecture.md, Accepting). Rejects naming the entry, having
 * closed what it bound, when one cannot be bound.
 */
export async function bindFrontSockets(entries: PorticoConfig['listen']): Promise<FrontSocket[]> {
  const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;
  const bound: FrontSocket[] = [];
  try {
    for (const entry of entries) {
      const host = entry.host ?? '0.0.0.0';
      const address = net.isIP(host) === 0 ? (await lookup(host)).address : host;
      const handle = createServerHandle(address, entry.port, net.isIP(address), undefined, 0);
      if (typeof handle === 'number') throw bindFailed(host, address, entry.port, getSystemErrorName(handle));
      const out: { port?: number } = {};
      handle.getsockname(out);
      if (!out.port) {
        // libuv defers EADDRINUSE from bind() to listen(), and the socket stays unbound: a front's
        // listen() on its copy would then take a random port instead of failing.
        handle.close();
        throw bindFailed(host, address, entry.port, 'EADDRINUSE');
      }
      bound.push({ handle, proto: entry.tls ? 'https' : 'http', host, port: out.port });
    }
  } catch (error) {
    for (const socket of bound) socket.handle.close();
    throw error;
  }
  return bound;
}

/** The listener's error for an entry, its cause shaped as Node's own for a failed listen (code, address, port). */
function bindFailed(host: string, address: string, port: number, code: string): InstanceType<typeof ListenFailedError> {
  const cause = Object.assign(new Error(`listen ${code} ${address}:${port}`), { code, syscall: 'listen', address, port });
  return new ListenFailedError(`${host}:${port}`, code, cause);
}
