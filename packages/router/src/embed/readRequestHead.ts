import type { IncomingMessage } from 'node:http';
import { RequestHeadParser, type RequestHeadParserOptions } from '../http1/RequestHeadParser.ts';
import type { RequestHead } from '../http1/RequestHead.ts';

/** A request node:http already parsed, checked again by Portico's framer: the head, or the status to refuse it with. */
export type ReadRequestHeadResult =
  | { readonly kind: 'head'; readonly head: RequestHead }
  | { readonly kind: 'error'; readonly status: number; readonly reason: string };

/**
 * Re-serialises an `IncomingMessage`'s method, URL, version and raw headers and runs them through
 * `RequestHeadParser`, so a request that arrived through a host's `node:http` server meets the
 * same strict rules as one read from a raw socket (docs/proxy.md). Express and middleware that
 * strip a mount prefix leave the client's target in `originalUrl`; that is the one checked.
 *
 * @example
 * const r = readRequestHead(req);
 * if (r.kind === 'error') return refuse(res, r.status);
 */
export function readRequestHead(req: IncomingMessage, options: RequestHeadParserOptions = {}): ReadRequestHeadResult {
  const target = (req as IncomingMessage & { originalUrl?: unknown }).originalUrl;
  const url = typeof target === 'string' ? target : (req.url ?? '');
  let text = `${req.method ?? ''} ${url} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) text += `${raw[i]!}: ${raw[i + 1]!}\r\n`;
  // node:http decodes head bytes as latin1, so latin1 gives the parser the bytes the client sent.
  const result = new RequestHeadParser(options).push(Buffer.from(`${text}\r\n`, 'latin1'));
  if (result.kind === 'head') return { kind: 'head', head: result.head };
  if (result.kind === 'error') return { kind: 'error', status: result.status, reason: result.reason };
  // A complete head that the parser still wants more of would be a parser bug: refuse, never guess.
  return { kind: 'error', status: 400, reason: 'request head could not be re-read' };
}
