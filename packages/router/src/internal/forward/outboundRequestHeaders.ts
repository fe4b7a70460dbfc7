import { normaliseHeaderName } from '@portico/auth-forwarder';
import { nanoid } from 'nanoid';
import type { HeaderPair, ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';
import type { Upstream } from '../../forward/Upstream.ts';
import type { RequestHead } from '../../http1/RequestHead.ts';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the framer recomputes. `expect` is re-added
 * only for a valid 100-continue; `upgrade` only for a validated WebSocket handshake, so `h2c`
 * never reaches a backend (BishopFox h2csmuggler).
 */
const hopByHop = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'content-length',
  'upgrade', 'http2-settings', 'proxy-authorization', 'expect',
]);

/** Headers Portico sets; inbound copies, and look-alikes with `_` or `.`, are never trusted. */
const ours = new Set([
  'x-portico-token', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-request-id',
]);

/**
 * Whether a header never goes upstream as sent: Host, a hop-by-hop or framing header, or one of
 * Portico's own, in any spelling a WSGI/PHP/Rack backend folds to the same name (`Proxy_Authorization`,
 * `X.Forwarded.For`).
 */
const reserved = (name: string): boolean => {
  const folded = normaliseHeaderName(name);
  return folded === 'host' || hopByHop.has(folded) || ours.has(folded);
};

/** The client's address as it goes in x-forwarded-for: IPv4-mapped IPv6 shown as IPv4. */
export function clientAddress(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
}

export interface OutboundContext {
  readonly head: RequestHead;
  readonly upstream: Upstream;
  readonly options: ResolvedForwarderOptions;
  readonly remoteAddress: string | undefined;
  readonly localPort: number | undefined;
  /** The Host to send: the client's, or the authority of an accepted absolute-form target. */
  readonly host: string | undefined;
  readonly requestId: string;
  /** The dispatcher's header changes for this request, applied after the forwarder-wide one. */
  readonly transform?: ((headers: HeaderPair[]) => HeaderPair[]) | undefined;
}

/**
 * The headers sent upstream: the client's, minus hop-by-hop headers, every header named in
 * Connection (Apache CVE-2022-31813, Traefik CVE-2024-45410) except Host, and any copy of
 * Portico's own; then the caller's transform; then Portico's headers, which nothing can remove.
 */
export function outboundRequestHeaders(ctx: OutboundContext): HeaderPair[] {
  const { head } = ctx;
  const out: HeaderPair[] = [['host', ctx.host ?? upstreamHost(ctx.upstream)]];
  const forwarderTransform = ctx.options.transformRequestHeaders;
  if (forwarderTransform === undefined && ctx.transform === undefined) {
    // Nothing to transform: the client's headers go straight into the outbound list.
    keptInbound(head, out);
  } else {
    let headers = keptInbound(head, []);
    if (forwarderTransform !== undefined) headers = forwarderTransform(headers, head);
    if (ctx.transform !== undefined) headers = ctx.transform(headers);
    // A transform may add headers but never smuggle framing, Host or Portico's own back in.
    for (const pair of headers) if (!reserved(pair[0])) out.push(pair);
  }
  if (head.upgrade?.kind === 'websocket') out.push(['connection', 'upgrade'], ['upgrade', 'websocket']);
  if (head.expectContinue) out.push(['expect', '100-continue']);
  out.push(['x-forwarded-for', clientAddress(ctx.remoteAddress)]);
  out.push(['x-forwarded-proto', ctx.options.proto]);
  if (ctx.host !== undefined) out.push(['x-forwarded-host', ctx.host]);
  if (ctx.localPort !== undefined) out.push(['x-forwarded-port', String(ctx.localPort)]);
  out.push(['x-request-id', ctx.requestId]);
  out.push(['x-portico-token', ctx.upstream.token]);
  return out;
}

/** Appends the client's headers that may go upstream, with the client's spelling, to `into`. */
function keptInbound(head: RequestHead, into: HeaderPair[]): HeaderPair[] {
  const named = head.connectionTokens;
  for (let i = 0; i < head.headers.length; i++) {
    const name = head.headers[i]![0];
    if (reserved(name) || (named.length > 0 && named.includes(name))) continue;
    into.push([head.rawNames[i]!, head.headers[i]![1]]);
  }
  return into;
}

function upstreamHost(upstream: Upstream): string {
  return 'path' in upstream.address ? 'localhost' : `${upstream.address.host}:${upstream.address.port}`;
}

export const newRequestId = (): string => nanoid();
