import { appendField, framingField } from '../http1/checkOutboundFields.ts';
import { emitClientHeaders, emitHopHeaders, emitHost, upstreamTarget, type OutboundContext } from '../policy/index.ts';

/**
 * The re-framed request head for a backend, as latin1 text, for a head from Portico's own parser:
 * what the parser accepted is written as is, and everything a caller supplied is checked first (a
 * bad one throws `InvalidHeadFieldError`). Checking only what no parser saw is most of the cost saved
 * per request; handing Node text instead of a Buffer saves an allocation and a copy.
 */
export function outboundRequestHead(ctx: OutboundContext): string {
  const { head } = ctx;
  let text = `${head.method} ${upstreamTarget(head.path, ctx.pathPrefix)} HTTP/1.1\r\n`;
  const field = (name: string, value: string, parsed: boolean): void => {
    text = parsed ? `${text}${name}: ${value}\r\n` : appendField(text, name, value);
  };
  emitHost(ctx, field);
  // Framing, then Portico's own in `emitPorticoHeaders`' order (a test holds the two alike), from
  // lines made once where they can be.
  const { forwardedFor, forwardedPort } = ctx.origin.lines;
  const forwardedHost = ctx.host === undefined ? '' : `x-forwarded-host: ${ctx.host}\r\n`;
  text = `${text}${framingField(head.body)}${forwardedFor}${PROTO_LINES[ctx.options.proto]}${forwardedHost}${forwardedPort}x-request-id: ${ctx.requestId}\r\n${tokenLine(ctx.upstream.token)}`;
  if (ctx.upstream.aspNetCoreToken === true) text = appendField(text, 'ms-aspnetcore-token', ctx.upstream.token);
  if (ctx.pathPrefix !== undefined) text = appendField(text, 'x-forwarded-prefix', ctx.pathPrefix);
  emitHopHeaders(ctx, field);
  emitClientHeaders(ctx, field);
  return `${text}\r\n`;
}

const PROTO_LINES = { http: 'x-forwarded-proto: http\r\n', https: 'x-forwarded-proto: https\r\n' } as const;

/** Pairing-token lines already checked, by token: a backend keeps its token for its whole life. */
const tokenLines = new Map<string, string>();
/** Far more backends than one Portico runs at once; past it the cache starts over. */
const MAX_TOKEN_LINES = 1024;

/** The `x-portico-token` line for `token`, checked the first time (a bad one throws `InvalidHeadFieldError`). */
function tokenLine(token: string): string {
  let line = tokenLines.get(token);
  if (line === undefined) {
    line = appendField('', 'x-portico-token', token);
    if (tokenLines.size >= MAX_TOKEN_LINES) tokenLines.clear();
    tokenLines.set(token, line);
  }
  return line;
}

