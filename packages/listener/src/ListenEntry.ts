/** One front socket. `host` defaults to all interfaces. */
export interface ListenEntry {
  readonly port: number;
  readonly host?: string;
  readonly tls?: TlsSettings;
  /** HTTPS only: offer `h2` beside `http/1.1` by ALPN. Default true. */
  readonly http2?: boolean;
  /** Plain only: serve HTTP/2 to clients that open with its preface (h2c with prior knowledge). Default false. */
  readonly h2c?: boolean;
  /**
   * A socket already bound by another process (a front's copy of the control process's socket,
   * docs/architecture.md): listened on as it is, instead of binding `host` and `port`.
   */
  readonly handle?: object;
}

/** HTTPS: PEM files (paths), and optionally a CA bundle to ask clients for a certificate. */
export interface TlsSettings {
  readonly cert: string;
  readonly key: string;
  /** Client certificates are verified against this bundle; with `requestCert`, the client is asked for one. */
  readonly ca?: string;
  readonly requestCert?: boolean;
}

/** Where a listen entry ended up (port 0 becomes a real port). */
export interface BoundAddress {
  readonly proto: 'http' | 'https';
  readonly host: string;
  readonly port: number;
}
