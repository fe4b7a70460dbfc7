import type { Socket } from 'node:net';

/** A client connection's two ends as `x-forwarded-for` and `x-forwarded-port` carry them. */
export interface ClientOrigin {
  /** The client's address, IPv4-mapped IPv6 shown as IPv4. */
  readonly address: string;
  /** The local port the client connected to. */
  readonly port: string | undefined;
}

/** The origin of `socket`'s client; the same for every request the connection carries. */
export function clientOrigin(socket: Pick<Socket, 'remoteAddress' | 'localPort'>): ClientOrigin {
  const { remoteAddress, localPort } = socket;
  const address =
    remoteAddress === undefined ? 'unknown'
    : remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7)
    : remoteAddress;
  return { address, port: localPort === undefined ? undefined : String(localPort) };
}
