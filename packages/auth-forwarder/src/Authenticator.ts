import type { IdentityHeaderOptions } from './identityHeaders.ts';
import type { StripInboundOptions } from './stripInboundHeaders.ts';

/** How the caller proved who they are. */
export type AuthScheme = 'basic' | 'jwt' | 'client-cert' | 'forward';

/** What the TLS layer learned about the client; absent on plain HTTP. */
export interface AuthTlsInfo {
  /** The listener verified the client certificate against its CA bundle. */
  readonly authorized: boolean;
  readonly authorizationError?: string;
  readonly peerCertificateDer?: Buffer;
  /** The certificate subject as `X509Certificate#subject` prints it (`CN=alice\nO=Acme`). */
  readonly subject?: string;
}

/** The part of a request an authenticator looks at. Header names are lower-case. */
export interface AuthRequest {
  readonly method: string;
  /** The request-target as received (`/path?query`). */
  readonly target: string;
  readonly headers: ReadonlyArray<readonly [lowerCaseName: string, value: string]>;
  readonly remoteAddress: string;
  readonly tls?: AuthTlsInfo;
}

/** Who the caller is; rendered for the backend by `identityHeaders`. */
export interface Identity {
  readonly user: string;
  readonly scheme: AuthScheme;
  /** The claims selected by the config (JWT `claims`), already within the size cap. */
  readonly claims?: Record<string, unknown>;
  readonly clientCertificateDer?: Buffer;
  /** Headers a forward-auth service asked to pass on (`copyHeaders`), lower-case names. */
  readonly extraHeaders?: [string, string][];
}

export interface AuthSuccess {
  readonly ok: true;
  readonly identity: Identity;
}

/** The response to send instead of forwarding. `headers` excludes framing; the router sets it. */
export interface AuthFailure {
  readonly ok: false;
  readonly status: 401 | 403 | 502;
  readonly headers: [string, string][];
  readonly body: string;
  /** Why, for the log; never shown to the client, never holds a credential. */
  readonly reason: string;
}

export type AuthOutcome = AuthSuccess | AuthFailure;

/** A log event with a stable dotted name (`auth.succeeded`, `auth.failed`, …). */
export interface AuthEvent {
  readonly name: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface AuthDeps {
  /** Milliseconds since the epoch; used for token times and cache ages. Default `Date.now`. */
  readonly clock?: () => number;
  /** Receives log events; a throwing handler is ignored. Never given a secret. */
  readonly onEvent?: (event: AuthEvent) => void;
  /** Where `secretEnv` is looked up. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * A secret that every authenticator of one Portico shares, across its processes: sent on each
   * forward subrequest as `x-portico-auth-subrequest`, so that a subrequest which arrives back at
   * the same Portico is known as one (`Authenticator.loopsBack`) and not authenticated again.
   * Random and long enough not to be guessed (`createSubrequestMark`); default, one of this
   * authenticator's own, which knows only its own subrequests.
   */
  readonly subrequestMark?: string;
}

/**
 * One app's authenticator. `authenticate` never rejects for a bad request: every failure is an
 * {@link AuthFailure} to send back. It rejects only after `close()`.
 */
export interface Authenticator {
  readonly scheme: AuthScheme;
  /** Pass to `stripInboundHeaders` (add `keepWebSocketUpgrade` for a validated upgrade). */
  readonly stripOptions: StripInboundOptions;
  /** Pass to `identityHeaders` with a successful outcome's identity. */
  readonly headerOptions: IdentityHeaderOptions;
  authenticate(request: AuthRequest): Promise<AuthOutcome>;
  /**
   * Whether authenticating `request` would go round in a loop: it is an auth subrequest of this
   * Portico's (it carries the `subrequestMark`), and this authenticator would send one of its own,
   * which would arrive back the same way. Answer it 508 instead of calling `authenticate`; an
   * `auth.loop_detected` event names the auth URL. A client cannot forge the mark, so the answer
   * for a client's own request is always `false`.
   */
  loopsBack(request: AuthRequest): boolean;
  /** Stops file watching and outgoing connections; idempotent, a second call waits for the first. */
  close(): Promise<void>;
}
