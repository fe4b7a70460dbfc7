import type { HeaderPair, ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';
import type { Upstream } from '../../forward/Upstream.ts';
import type { RequestHead } from '../../http1/RequestHead.ts';
import type { IncomingMessage } from 'node:http';
import { clientOrigin } from '../forward/clientOrigin.ts';
import { outboundRequestHeaders, upstreamTarget } from '../policy/index.ts';
import type { ForwardDispatch } from './HttpExchange.ts';

/** What an embedded exchange knows of its request, enough to compute the headers sent upstream. */
export interface EmbeddedRequest {
  readonly req: IncomingMessage;
  readonly head: RequestHead;
  readonly host: string | undefined;
  readonly requestId: string;
  readonly options: ResolvedForwarderOptions;
  readonly dispatch: ForwardDispatch;
}

/** The policy's outbound headers (as the socket forwarder's), for a request the host's server parsed, with `framing` in its place. */
export function outboundHeadersFor(request: EmbeddedRequest, upstream: Upstream, framing: HeaderPair | undefined): HeaderPair[] {
  const { req, head, host, requestId, options, dispatch } = request;
  return outboundRequestHeaders(
    {
      head,
      upstream,
      dispatch,
      pathPrefix: dispatch.pathPrefix,
      options,
      origin: clientOrigin(req.socket),
      host,
      requestId,
    },
    framing,
  );
}

/** The request-target for the backend (the mount path taken off for a `stripPrefix` app). */
export function targetFor(request: EmbeddedRequest): string {
  return upstreamTarget(request.head.path, request.dispatch.pathPrefix);
}
