/** Where a backend listens: TCP on loopback, or a unix socket path. */
export type UpstreamAddress = { readonly port: number; readonly host: string } | { readonly path: string };

/**
 * One ready backend the forwarder may send a request to. `token` is the pairing token the
 * backend checks on every request (`x-portico-token`); `id` keys the keep-alive pool.
 */
export interface Upstream {
  readonly id: string;
  readonly address: UpstreamAddress;
  readonly token: string;
  /**
   * Also send the token as `MS-ASPNETCORE-TOKEN`, the only header ASP.NET Core's IIS integration
   * checks (an app with `compat: "aspnetcore"`).
   */
  readonly aspNetCoreToken?: boolean;
}
