/** How a message body is delimited (RFC 9112 §6.3). */
export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' };

/** What the Upgrade header asked for, once checked. */
export type UpgradeRequest =
  /** A complete RFC 6455 §4.1 handshake: the only upgrade Portico forwards. */
  | { readonly kind: 'websocket'; readonly key: string }
  /** `Upgrade: websocket` with a handshake that is wrong; answer 400. */
  | { readonly kind: 'invalid-websocket'; readonly reason: string }
  /** Any other protocol (h2c, TLS/1.0, …) or an Upgrade not named in Connection; strip it. */
  | { readonly kind: 'other'; readonly protocols: readonly string[] };

/** A request head that passed every framing rule in docs/proxy.md. */
export interface RequestHead {
  readonly method: string;
  /** The request-target exactly as received. */
  readonly target: string;
  readonly form: 'origin' | 'absolute' | 'asterisk';
  /** Origin-form path and query: the target itself, the path of an absolute-form target, or `*`. */
  readonly path: string;
  /** Absolute-form only (else undefined): scheme and `host[:port]`, so the router maps it only for a host it serves. */
  readonly absolute: { readonly scheme: 'http' | 'https'; readonly authority: string } | undefined;
  readonly version: '1.0' | '1.1';
  /** `[lower-case name, value]` in arrival order; duplicates kept. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The names as the client spelled them, index-aligned with `headers`. */
  readonly rawNames: readonly string[];
  /** The one Host value (absent only on HTTP/1.0 without Host). */
  readonly host: string | undefined;
  readonly body: BodyFraming;
  /** Whether the client wants the connection kept open after this exchange. */
  readonly keepAlive: boolean;
  /** Lower-case tokens of every Connection line. */
  readonly connectionTokens: readonly string[];
  readonly expectContinue: boolean;
  readonly upgrade: UpgradeRequest | undefined;
  /** Bytes the head took on the wire, including its final empty line. */
  readonly headBytes: number;
}
