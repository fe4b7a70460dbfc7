import { normaliseHeaderName } from '@portico/auth-forwarder';
import type { HeaderPair, ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';
import type { Upstream } from '../../forward/Upstream.ts';
import type { RequestHead } from '../../http1/RequestHead.ts';
import type { ClientOrigin } from '../forward/clientOrigin.ts';
import { isHopByHop } from './hopByHop.ts';

/**
 * Whether a header never goes upstream as sent: a hop-by-hop or framing header; Host; one the
 * framer re-adds only when it is valid (`expect` for a valid 100-continue, `upgrade`, a hop-by-hop
 * name, only for a validated WebSocket handshake, so `h2c` never reaches a backend: BishopFox
 * h2csmuggler); or one of Portico's own, whose inbound copies are never trusted. Matched in any
 * spelling a WSGI/PHP/Rack backend folds to the same name (`Proxy_Authorization`, `X.Forwarded.For`).
 */
const reserved = (name: string): boolean => {
  const folded = normaliseHeaderName(name);
  return isHopByHop(folded) || isRequestReserved(folded);
};

/** The request-only names of `reserved`; a switch, as in `isHopByHop`. */
function isRequestReserved(name: string): boolean {
  switch (name) {
    case 'host':
    case 'http2-settings':
    case 'proxy-authorization':
    case 'expect':
    case 'x-portico-token':
    case 'x-forwarded-for':
    case 'x-forwarded-proto':
    case 'x-forwarded-host':
    case 'x-forwarded-port':
    case 'x-request-id':
      return true;
    default:
      return false;
  }
}

export interface OutboundContext {
  readonly head: RequestHead;
  readonly upstream: Upstream;
  readonly options: ResolvedForwarderOptions;
  readonly origin: ClientOrigin;
  /** The Host to send: the client's, or the authority of an accepted absolute-form target. */
  readonly host: string | undefined;
  readonly requestId: string;
  /** The dispatcher's header changes for this request, applied after the forwarder-wide one. */
  readonly transform?: ((headers: HeaderPair[]) => HeaderPair[]) | undefined;
}

/**
 * Takes the outbound headers one by one, in order. `parsed` is true for a name and value that
 * came out of the head parser or were made by Portico from checked parts (the client's address,
 * a port number, a constant); false for what a caller supplied (a header transform's output, the
 * upstream's token and address), which a writer must check.
 */
export type OutboundField = (name: string, value: string, parsed: boolean) => void;

/** Host, the client's headers as kept or transformed, and the framer's own re-added hop-by-hop ones. */
export function emitRelayedHeaders(ctx: OutboundContext, field: OutboundField): void {
  const { head } = ctx;
  if (ctx.host !== undefined) field('host', ctx.host, true);
  else field('host', upstreamHost(ctx.upstream), false);
  const forwarderTransform = ctx.options.transformRequestHeaders;
  if (forwarderTransform === undefined && ctx.transform === undefined) {
    // Nothing to transform: the client's headers go straight out.
    keptInbound(head, (name, value) => field(name, value, true));
  } else {
    let headers: HeaderPair[] = [];
    // The parser's own strings, in order, where no transform can change them.
    const parsed: string[] = [];
    keptInbound(head, (name, value) => {
      headers.push([name, value]);
      parsed.push(name, value);
    });
    if (forwarderTransform !== undefined) headers = forwarderTransform(headers, head);
    if (ctx.transform !== undefined) headers = ctx.transform(headers);
    let next = 0;
    for (const [name, value] of headers) {
      // A transform may add headers but never smuggle framing, Host or Portico's own back in.
      if (reserved(name)) continue;
      // What it passed through as the parser gave it needs no second check; anything else does.
      const unchanged = name === parsed[next] && value === parsed[next + 1];
      if (unchanged) next += 2;
      field(name, value, unchanged);
    }
  }
  if (head.upgrade?.kind === 'websocket') {
    field('connection', 'upgrade', true);
    field('upgrade', 'websocket', true);
  }
  if (head.expectContinue) field('expect', '100-continue', true);
}

/**
 * The headers sent upstream, in order: the client's, minus hop-by-hop headers, every header named
 * in Connection (Apache CVE-2022-31813, Traefik CVE-2024-45410) except Host, and any copy of
 * Portico's own; then the caller's transform; then Portico's headers, which nothing can remove.
 * As a list, every one still to be checked by whoever writes them.
 */
export function outboundRequestHeaders(ctx: OutboundContext): HeaderPair[] {
  const out: HeaderPair[] = [];
  const field = (name: string, value: string): void => {
    out.push([name, value]);
  };
  emitRelayedHeaders(ctx, field);
  field('x-forwarded-for', ctx.origin.address);
  field('x-forwarded-proto', ctx.options.proto);
  if (ctx.host !== undefined) field('x-forwarded-host', ctx.host);
  if (ctx.origin.port !== undefined) field('x-forwarded-port', ctx.origin.port);
  field('x-request-id', ctx.requestId);
  field('x-portico-token', ctx.upstream.token);
  return out;
}

/** Visits the client's headers that may go upstream, in order, with the client's spelling. */
function keptInbound(head: RequestHead, visit: (name: string, value: string) => void): void {
  const named = head.connectionTokens;
  for (let i = 0; i < head.headers.length; i++) {
    const name = head.headers[i]![0];
    if (reserved(name) || (named.length > 0 && named.includes(name))) continue;
    visit(head.rawNames[i]!, head.headers[i]![1]);
  }
}

function upstreamHost(upstream: Upstream): string {
  return 'path' in upstream.address ? 'localhost' : `${upstream.address.host}:${upstream.address.port}`;
}
