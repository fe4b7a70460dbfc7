import { appendField, framingField } from '../http1/checkOutboundFields.ts';
import { emitClientHeaders, emitHost, hopLines, isKeptInbound, untransformed, upstreamTarget, type OutboundContext, type OutboundField } from '../policy/index.ts';

/**
 * The re-framed request head for a backend, as latin1 text, for a head from Portico's own parser:
 * what the parser accepted is written as is, and everything a caller supplied is checked first (a
 * bad one throws `InvalidHeadFieldError`). Checking only what no parser saw is most of the cost saved
 * per request; handing Node text instead of a Buffer saves an allocation and a copy. The lines
 * are the policy's, in its order (`outboundRequestHeaders`; a test holds the two alike), written
 * by a loop of its own where it can: the host and forwarded lines made once per connection and
 * Host, the hop lines constants, the client's fields walked without a callback.
 */
export function outboundRequestHead(ctx: OutboundContext): string {
  const { head } = ctx;
  const lines = ctx.origin.linesFor(ctx.host, ctx.options.proto);
  // Without a Host (HTTP/1.0) the line is the upstream's address, checked (`emitHost`).
  const host = ctx.host === undefined ? emitted(ctx, emitHost) : lines.host;
  let text = `${head.method} ${upstreamTarget(head.path, ctx.pathPrefix)} HTTP/1.1\r\n${host}${framingField(head.body)}${lines.forwarded}`;
  text = `${text}x-request-id: ${ctx.requestId}\r\n${tokenLine(ctx.upstream.token)}`;
  if (ctx.upstream.aspNetCoreToken === true) text = appendField(text, 'ms-aspnetcore-token', ctx.upstream.token);
  if (ctx.pathPrefix !== undefined) text = appendField(text, 'x-forwarded-prefix', ctx.pathPrefix);
  text += hopLines(head);
  if (untransformed(ctx)) {
    const { headers, rawNames } = head;
    for (let i = 0; i < headers.length; i++) if (isKeptInbound(head, i)) text = `${text}${rawNames[i]!}: ${headers[i]![1]}\r\n`;
  } else {
    text += emitted(ctx, emitClientHeaders);
  }
  return `${text}\r\n`;
}

/**
 * The lines one of the policy's emitters gives, for the paths that need its callback (no Host, a
 * header transform): a function of its own, so the usual path makes no closure.
 */
function emitted(ctx: OutboundContext, emit: (ctx: OutboundContext, field: OutboundField) => void): string {
  let out = '';
  emit(ctx, (name, value, parsed) => {
    out = parsed ? `${out}${name}: ${value}\r\n` : appendField(out, name, value);
  });
  return out;
}

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

