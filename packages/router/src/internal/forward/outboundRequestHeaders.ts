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

/** A name as backends that fold `_` and `.` to `-` read it; the replace runs only when there is one. */
const normalise = (name: string): string => {
  const lower = name.toLowerCase();
  return lower.includes('_') || lower.includes('.') ? lower.replace(/[_.]/g, '-') : lower;
};

/**
 * Whether a header never goes upstream as sent: Host, a hop-by-hop or framing header, or one of
 * Portico's own, in any spelling a WSGI/PHP/Rack backend folds to the same name (`Proxy_Authorization`,
 * `X.Forwarded.For`).
 */
const reserved = (name: string): boolean => {
  const folded = normalise(name);
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
  const named = head.connectionTokens;
  let headers: HeaderPair[] = [];
  for (let i = 0; i < head.headers.length; i++) {
    const name = head.headers[i]![0];
    if (reserved(name) || (named.length > 0 && named.includes(name))) continue;
    headers.push([head.rawNames[i]!, head.headers[i]![1]]);
  }
  const transformed = ctx.options.transformRequestHeaders !== undefined || ctx.transform !== undefined;
  if (ctx.options.transformRequestHeaders !== undefined) headers = ctx.options.transformRequestHeaders(headers, head);
  if (ctx.transform !== undefined) headers = ctx.transform(headers);
  const host = ctx.host ?? upstreamHost(ctx.upstream);
  const out: HeaderPair[] = [['host', host]];
  for (const pair of headers) {
    // A transform may add headers but never smuggle framing, Host or Portico's own back in.
    if (transformed && reserved(pair[0])) continue;
    out.push(pair);
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

function upstreamHost(upstream: Upstream): string {
  return 'path' in upstream.address ? 'localhost' : `${upstream.address.host}:${upstream.address.port}`;
}

export const newRequestId = (): string => nanoid();
