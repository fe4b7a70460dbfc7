/**
 * The request headers of Portico's contract with a backend, lower-cased as Node reports them.
 * Portico removes inbound copies of all of them (and their `_` and `.` spellings) before it sets
 * its own, so a backend can trust them on a request that carries the valid pairing token.
 */
export const porticoHeaders = {
  token: 'x-portico-token',
  forwardedFor: 'x-forwarded-for',
  forwardedProto: 'x-forwarded-proto',
  forwardedHost: 'x-forwarded-host',
  forwardedPort: 'x-forwarded-port',
  forwardedPrefix: 'x-forwarded-prefix',
  requestId: 'x-request-id',
  user: 'x-portico-user',
  authScheme: 'x-portico-auth',
  claims: 'x-portico-claims',
  clientCertificate: 'x-portico-client-cert',
  /** `compat: "aspnetcore"`: the token under the ASP.NET Core Module's name. */
  compatToken: 'ms-aspnetcore-token',
  /** `compat: "aspnetcore"`: `shutdown` on `POST {APPL_PATH}/iisintegration`. */
  compatEvent: 'ms-aspnetcore-event',
  /** `compat: "aspnetcore"`: the client certificate under the ASP.NET Core Module's name. */
  compatClientCertificate: 'ms-aspnetcore-clientcert',
} as const;
