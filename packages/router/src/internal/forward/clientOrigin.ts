/** A client connection's two ends as `x-forwarded-for` and `x-forwarded-port` carry them. */
export interface ClientOrigin {
  /** The client's address, IPv4-mapped IPv6 shown as IPv4. */
  readonly address: string;
  /** The local port the client connected to. */
  readonly port: string | undefined;
  /** The two as header lines of an outbound head (`x-forwarded-port`'s empty without a port), made once per connection. */
  readonly lines: { readonly forwardedFor: string; readonly forwardedPort: string };
}

/**
 * The origin of `socket`'s client; the same for every request the connection carries. Either end
 * may be unknown (a socket already closed), whatever Node's types say.
 */
export function clientOrigin(socket: { readonly remoteAddress?: string | undefined; readonly localPort?: number | undefined }): ClientOrigin {
  const { remoteAddress, localPort } = socket;
  const address =
    remoteAddress === undefined ? 'unknown'
    : remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7)
    : remoteAddress;
  const port = localPort === undefined ? undefined : String(localPort);
  const lines = {
    forwardedFor: `x-forwarded-for: ${address}\r\n`,
    forwardedPort: port === undefined ? '' : `x-forwarded-port: ${port}\r\n`,
  };
  return { address, port, lines };
}
