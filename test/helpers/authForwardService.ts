import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A subrequest as the auth service received it. */
export interface AuthSubrequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface AuthForwardService {
  readonly url: string;
  readonly subrequests: AuthSubrequest[];
  /** How many subrequests carried this Authorization value. */
  count(authorization: string): number;
  close(): Promise<void>;
}

/**
 * A local auth service for the `forward` authenticator on 127.0.0.1:0. Its answer depends on the
 * bearer token: `good-*` is alice (with an email to copy), `deny` a 401 with two challenges,
 * `forbid` a 403, `broken` a 500, `anonymous` a 200 without a user, `slow` no answer at all until
 * the service closes.
 */
export async function authForwardService(): Promise<AuthForwardService> {
  const subrequests: AuthSubrequest[] = [];
  const server = http.createServer((req, res) => {
    subrequests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (token.startsWith('good')) res.writeHead(204, { 'x-auth-user': 'alice', 'x-auth-email': 'alice@example.test' }).end();
    else if (token === 'anonymous') res.writeHead(200).end();
    else if (token === 'forbid') res.writeHead(403).end();
    else if (token === 'broken') res.writeHead(500).end('database down');
    else if (token === 'slow') return;
    else res.setHeader('WWW-Authenticate', ['Bearer realm="sso"', 'Basic realm="sso"']).writeHead(401).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/auth`,
    subrequests,
    count: (authorization) => subrequests.filter((s) => s.headers.authorization === authorization).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
