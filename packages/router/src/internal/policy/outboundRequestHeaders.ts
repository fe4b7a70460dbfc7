import { isSpoofableNormalised, normaliseHeaderName, type HeaderPolicy } from '@portico/auth-forwarder';
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

/** Portico's own names as `isSpoofableHeader` reads them, less the two decided elsewhere (`reservedInbound`). */
const CLIENT_HEADER_POLICY: HeaderPolicy = { forwardAuthToken: true, trustRequestId: true };

/**
 * Whether a client's header is one Portico keeps to itself, so none goes upstream from a client
 * whether or not a transform runs: `reserved`, and every header that would pass for one of
 * Portico's own once a backend folds it (`isSpoofableHeader`: `x-portico-*`, `ms-aspnetcore*`,
 * `x-forwarded-*`, `forwarded`, a folded `Content_Length`), the name folded once. `Authorization` is the app's (its
 * authenticator's transform removes it where Portico checked the credential) and `x-request-id`
 * is `requestIdFor`'s. A transform's own output is held to `reserved` only: the authenticator's
 * identity lines are Portico's to add.
 */
function reservedInbound(name: string): boolean {
  // Folded once for the three checks: this runs for every header of every request.
  const folded = normaliseHeaderName(name);
  return isHopByHop(folded) || isRequestReserved(folded) || isSpoofableNormalised(folded, folded !== name, CLIENT_HEADER_POLICY);
}

/** The request-only names of `reserved`; a switch, as in `isHopByHop`. */
function isRequestReserved(name: string): boolean {
  switch (name) {
    case 'host':
    case 'http2-settings':
    case 'proxy-authorization':
    case 'expect':
    case 'x-portico-token':
    case 'ms-aspnetcore-token':
    case 'x-forwarded-for':
    case 'x-forwarded-proto':
    case 'x-forwarded-host':
    case 'x-forwarded-port':
    case 'x-forwarded-prefix':
    case 'x-request-id':
      return true;
    default:
      return false;
  }
}

/**
 * What the outbound headers use of a forward dispatch: its header changes, called as its method
 * (`Dispatch.transformHeaders`), so a dispatch that is a class instance keeps its `this`.
 */
export interface HeaderTransformer {
  transformHeaders?(headers: HeaderPair[]): HeaderPair[];
}

export interface OutboundContext {
  readonly head: RequestHead;
  readonly upstream: Upstream;
  readonly options: ResolvedForwarderOptions;
  readonly origin: ClientOrigin;
  /** The Host to send: the client's, or the authority of an accepted absolute-form target. */
  readonly host: string | undefined;
  readonly requestId: string;
  /** The dispatch whose header changes apply to this request, after the forwarder-wide one. */
  readonly dispatch?: HeaderTransformer | undefined;
  /** The app's mount path, taken off the target and sent as `x-forwarded-prefix` (`stripPrefix`). */
  readonly pathPrefix?: string | undefined;
}

/**
 * Takes the outbound headers one by one, in order. `parsed` is true for a name and value that
 * came out of the head parser or were made by Portico from checked parts (the client's address,
 * a port number, a constant); false for what a caller supplied (a header transform's output, the
 * upstream's token and address), which a writer must check.
 */
export type OutboundField = (name: string, value: string, parsed: boolean) => void;

/**
 * The order of an outbound request head, for every engine: `host`; the framing header, which the
 * engine writes (HTTP/1.1: `content-length` or `transfer-encoding`); Portico's own headers
 * (`emitPorticoHeaders`); the hop-by-hop ones Portico re-adds for a validated WebSocket handshake
 * or 100-continue (`emitHopHeaders`); then the client's, as kept and transformed
 * (`emitClientHeaders`). Framing and Portico's headers come first so that a backend that keeps
 * only its first N header lines (Node's `maxHeadersCount`: 2 000 entries, 1 000 pairs) still sees
 * them, however many headers a client sends (docs/proxy.md, The header contract).
 */
export function emitHost(ctx: OutboundContext, field: OutboundField): void {
  if (ctx.host !== undefined) field('host', ctx.host, true);
  else field('host', upstreamHost(ctx.upstream), false);
}

/** Portico's own headers, in order; nothing a client or a transform sends can replace them. */
export function emitPorticoHeaders(ctx: OutboundContext, field: OutboundField): void {
  field('x-forwarded-for', ctx.origin.address, true);
  field('x-forwarded-proto', ctx.options.proto, true);
  if (ctx.host !== undefined) field('x-forwarded-host', ctx.host, true);
  if (ctx.origin.port !== undefined) field('x-forwarded-port', ctx.origin.port, true);
  field('x-request-id', ctx.requestId, true);
  field('x-portico-token', ctx.upstream.token, false);
  if (ctx.upstream.aspNetCoreToken === true) field('ms-aspnetcore-token', ctx.upstream.token, false);
  if (ctx.pathPrefix !== undefined) field('x-forwarded-prefix', ctx.pathPrefix, false);
}

/** The hop-by-hop headers Portico itself re-adds: only for a validated WebSocket handshake, and `expect` for a valid 100-continue. */
export function emitHopHeaders(ctx: OutboundContext, field: OutboundField): void {
  if (ctx.head.upgrade?.kind === 'websocket') {
    field('connection', 'upgrade', true);
    field('upgrade', 'websocket', true);
  }
  if (ctx.head.expectContinue) field('expect', '100-continue', true);
}

const WEBSOCKET_LINES = 'connection: upgrade\r\nupgrade: websocket\r\n';
const EXPECT_LINE = 'expect: 100-continue\r\n';

/** `emitHopHeaders`' fields as the lines of an HTTP/1.1 head, for a writer that makes no callback per request. */
export function hopLines(head: RequestHead): string {
  const websocket = head.upgrade?.kind === 'websocket';
  if (!head.expectContinue) return websocket ? WEBSOCKET_LINES : '';
  return websocket ? WEBSOCKET_LINES + EXPECT_LINE : EXPECT_LINE;
}

/**
 * The client's headers as they go upstream: minus hop-by-hop headers, every header named in
 * Connection (Apache CVE-2022-31813, Traefik CVE-2024-45410) except Host, and any copy of
 * Portico's own; then the forwarder's and the dispatcher's transforms, whose output may not put
 * framing, Host or Portico's headers back.
 */
export function emitClientHeaders(ctx: OutboundContext, field: OutboundField): void {
  const { head } = ctx;
  const forwarderTransform = ctx.options.transformRequestHeaders;
  const dispatch = ctx.dispatch;
  if (untransformed(ctx)) {
    // Nothing to transform: the client's headers go straight out.
    keptInbound(head, (name, value) => field(name, value, true));
    return;
  }
  let headers: HeaderPair[] = [];
  // The parser's own strings, in order, where no transform can change them.
  const parsed: string[] = [];
  keptInbound(head, (name, value) => {
    headers.push([name, value]);
    parsed.push(name, value);
  });
  if (forwarderTransform !== undefined) headers = forwarderTransform(headers, head);
  if (dispatch?.transformHeaders !== undefined) headers = dispatch.transformHeaders(headers);
  let next = 0;
  for (const [name, value] of headers) {
    // What it passed through as the parser gave it was kept by `keptInbound`, so it is not
    // reserved and needs no second check of any kind.
    if (name === parsed[next] && value === parsed[next + 1]) {
      next += 2;
      field(name, value, true);
      continue;
    }
    // A transform may add headers but never smuggle framing, Host or Portico's own back in.
    if (reserved(name)) continue;
    field(name, value, false);
  }
}

/**
 * The headers sent upstream, in the policy's order (`emitHost`), with `framing` (the engine's
 * framing header, if any) in its place. As a list, every one still to be checked by whoever
 * writes them.
 */
export function outboundRequestHeaders(ctx: OutboundContext, framing: HeaderPair | undefined): HeaderPair[] {
  const out: HeaderPair[] = [];
  const field = (name: string, value: string): void => {
    out.push([name, value]);
  };
  emitHost(ctx, field);
  if (framing !== undefined) out.push(framing);
  emitPorticoHeaders(ctx, field);
  emitHopHeaders(ctx, field);
  emitClientHeaders(ctx, field);
  return out;
}

/** Visits the client's headers that may go upstream, in order, with the client's spelling. */
function keptInbound(head: RequestHead, visit: (name: string, value: string) => void): void {
  for (let i = 0; i < head.headers.length; i++) if (isKeptInbound(head, i)) visit(head.rawNames[i]!, head.headers[i]![1]);
}

/**
 * Whether the client's `i`th header may go upstream (`emitClientHeaders`' rule before any
 * transform), for a writer that walks the headers itself rather than through a callback.
 */
export function isKeptInbound(head: RequestHead, i: number): boolean {
  const name = head.headers[i]![0];
  const named = head.connectionTokens;
  return !reservedInbound(name) && (named.length === 0 || !isNamedIn(named, name));
}

/**
 * Whether a Connection line names `name`, in any spelling a backend folds to the same
 * (`Connection: x-secret` names `X_Secret` too, as `stripInboundHeaders` reads it): a header the
 * client marked hop-by-hop never reaches a backend under another spelling.
 */
function isNamedIn(tokens: readonly string[], name: string): boolean {
  if (tokens.includes(name)) return true;
  const folded = normaliseHeaderName(name);
  for (const token of tokens) if (normaliseHeaderName(token) === folded) return true;
  return false;
}

/** Whether the client's headers go upstream as they came: no transform by the forwarder or the dispatch. */
export function untransformed(ctx: OutboundContext): boolean {
  return ctx.options.transformRequestHeaders === undefined && ctx.dispatch?.transformHeaders === undefined;
}

function upstreamHost(upstream: Upstream): string {
  return 'path' in upstream.address ? 'localhost' : `${upstream.address.host}:${upstream.address.port}`;
}
