import type { RequestHead } from '../../http1/RequestHead.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import type { OutboundResponseFraming } from '../../http1/serializeResponseHead.ts';
import { parseContentLength } from '../http1/parseContentLength.ts';
import type { ClientFraming } from './ClientWriter.ts';

/** How a backend's response is framed for this client, and whether the client connection ends with it. */
export interface ClientResponseFraming {
  /** What the response head to the client announces. */
  readonly head: OutboundResponseFraming;
  /** How the writer frames body bytes. */
  readonly body: ClientFraming;
  /** The client connection closes after this response. */
  readonly close: boolean;
}

/**
 * Re-frames a response for the client: a Content-Length body keeps its length; a chunked or
 * close-delimited one is re-chunked for HTTP/1.1 and close-delimited for HTTP/1.0 (which cannot
 * read chunked); HEAD and 304 keep the backend's Content-Length without a body (RFC 9110 §9.3.2,
 * §15.4.5). `mustClose` is what the request already decided.
 */
export function clientResponseFraming(request: RequestHead, res: ResponseHead, mustClose: boolean): ClientResponseFraming {
  if (res.body.kind === 'none') {
    const advertised = request.method === 'HEAD' || res.status === 304 ? advertisedLength(res) : undefined;
    return {
      head: advertised === undefined ? { kind: 'none' } : { kind: 'advertised-length', length: advertised },
      body: 'none',
      close: mustClose,
    };
  }
  if (res.body.kind === 'length') return { head: res.body, body: 'length', close: mustClose };
  return request.version === '1.1'
    ? { head: { kind: 'chunked' }, body: 'chunked', close: mustClose }
    : { head: { kind: 'until-close' }, body: 'raw', close: true };
}

function advertisedLength(res: ResponseHead): number | undefined {
  const values = res.headers.filter(([n]) => n === 'content-length').map(([, v]) => v);
  if (values.length === 0) return undefined;
  const length = parseContentLength(values);
  return typeof length === 'number' ? length : undefined;
}
