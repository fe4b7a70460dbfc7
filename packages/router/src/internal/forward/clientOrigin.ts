/** The lines of an outbound head that depend only on the client connection and the request's Host. */
export interface HostLines {
  /** `host: H\r\n`; empty without a Host, whose line the writer makes from the upstream. */
  readonly host: string;
  /** `x-forwarded-for`, `-proto`, `-host` and `-port` (when known), in the policy's order. */
  readonly forwarded: string;
}

/** A client connection's two ends as `x-forwarded-for` and `x-forwarded-port` carry them. */
export interface ClientOrigin {
  /** The client's address, IPv4-mapped IPv6 shown as IPv4. */
  readonly address: string;
  /** The local port the client connected to. */
  readonly port: string | undefined;
  /**
   * The `host` line and Portico's forwarded lines for requests naming `host` (a parsed Host, or a
   * served absolute-form authority; undefined for none, with no `x-forwarded-host`), made again
   * only when a request names another Host or scheme than the one before: a connection's requests
   * nearly always repeat theirs.
   */
  linesFor(host: string | undefined, proto: 'http' | 'https'): HostLines;
}

const PROTO_LINES = { http: 'x-forwarded-proto: http\r\n', https: 'x-forwarded-proto: https\r\n' } as const;

class Origin implements ClientOrigin {
  readonly address: string;
  readonly port: string | undefined;
  /** The two as header lines (`x-forwarded-port`'s empty without a port), made once per connection. */
  readonly #forwardedFor: string;
  readonly #forwardedPort: string;
  #host: string | undefined;
  #proto: 'http' | 'https' = 'http';
  #hostLines: HostLines | undefined;

  constructor(address: string, port: string | undefined) {
    this.address = address;
    this.port = port;
    this.#forwardedFor = `x-forwarded-for: ${address}\r\n`;
    this.#forwardedPort = port === undefined ? '' : `x-forwarded-port: ${port}\r\n`;
  }

  linesFor(host: string | undefined, proto: 'http' | 'https'): HostLines {
    if (this.#hostLines !== undefined && host === this.#host && proto === this.#proto) return this.#hostLines;
    this.#host = host;
    this.#proto = proto;
    const forwardedHost = host === undefined ? '' : `x-forwarded-host: ${host}\r\n`;
    this.#hostLines = {
      host: host === undefined ? '' : `host: ${host}\r\n`,
      forwarded: `${this.#forwardedFor}${PROTO_LINES[proto]}${forwardedHost}${this.#forwardedPort}`,
    };
    return this.#hostLines;
  }
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
  return new Origin(address, localPort === undefined ? undefined : String(localPort));
}
