/**
 * What the admin endpoint's TCP port lets clients hold (docs/admin.md, Security). Anyone who can
 * reach the port can connect without the token, so each figure bounds what they may hold: file
 * descriptors the control process shares with its listeners and workers, and a head buffer each.
 */
export interface AdminConnectionLimits {
  /**
   * Connections open at once, admitted or not (nginx's `worker_connections`). One more closes the
   * oldest connection with no request admitted yet and no reply under way (one stuck for
   * `headTimeoutMs` counts as none), or, when there is no such connection, is itself closed at once.
   */
  readonly connections: number;
  /**
   * Connections with no request that carried the token yet (a probe's or the page shell's, which
   * anyone may ask for, does not count; without a token configured, any request that passed the
   * access check does) past which a new one closes the oldest of them if it has waited a tenth of
   * `headTimeoutMs` (at most a second), and is taken all the same if none has: a flood of
   * connections that send nothing pushes out its own, while a burst of clients that send their
   * heads at once is served. A refused request closes its connection, so each such connection
   * holds at most one head, for at most `headTimeoutMs`.
   */
  readonly unadmitted: number;
  /**
   * Milliseconds a request head may take, counted from the accept for a connection's first
   * (nginx's `client_header_timeout`, whose timer starts at the accept too) and from its first
   * byte for a later one; then `408` and the connection closes. Checked every second (every tenth of the limit when it is shorter than 10 s).
   */
  readonly headTimeoutMs: number;
}

/** nginx's default `worker_connections`; probes, a scraper, `portico … -a` and browser tabs (six connections each) fit many times over. */
export const defaultAdminConnectionLimits: AdminConnectionLimits = { connections: 512, unadmitted: 64, headTimeoutMs: 10_000 };
