import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequestGuard } from './internal/createRequestGuard.ts';
import type { RequestCheckOptions } from './RequestCheckOptions.ts';

/** A `(req, res, next)` middleware, as connect, Express and `@fastify/middie` call it. */
export type PorticoMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Portico's request check as connect-style middleware: the same rules as `withPortico`. A
 * rejected request is answered (400) and `next` is not called; an accepted one calls `next()`.
 * Mount it first, before anything that reads headers or logs them.
 *
 * @example
 * const app = express();
 * app.use(porticoMiddleware());
 * app.get('/', (req, res) => res.send(getPortico(req)?.user ?? 'stranger'));
 * await listen(http.createServer(app));
 */
export function porticoMiddleware(options?: RequestCheckOptions): PorticoMiddleware {
  const admit = createRequestGuard(options);
  return (req, res, next) => {
    if (admit(req, res)) next();
  };
}
