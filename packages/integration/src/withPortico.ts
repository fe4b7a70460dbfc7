import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequestGuard } from './internal/createRequestGuard.ts';
import type { RequestCheckOptions } from './RequestCheckOptions.ts';

/**
 * Wraps a `node:http` request handler with Portico's request check. Under Portico (a token in
 * the environment), a request without the valid `x-portico-token` gets 400 and one log line
 * (never the token); a valid one has the token header removed from `req.headers` and
 * `req.rawHeaders`, gets `req.portico`, and reaches `handler`. Without Portico (no token in the
 * environment), every request reaches `handler` and `req.portico` stays absent, unless
 * `requireToken` makes this throw at creation instead.
 *
 * @example
 * const server = http.createServer(withPortico((req, res) => {
 *   res.end(`hello ${getPortico(req)?.user ?? 'stranger'}`);
 * }));
 * await listen(server);
 */
export function withPortico<Req extends IncomingMessage, Res extends ServerResponse>(
  handler: (req: Req, res: Res) => unknown,
  options?: RequestCheckOptions,
): (req: Req, res: Res) => void {
  const admit = createRequestGuard(options);
  return (req, res) => {
    if (admit(req, res)) void handler(req, res);
  };
}
