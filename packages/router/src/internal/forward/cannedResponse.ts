import { serializeResponseHead } from '../../http1/serializeResponseHead.ts';
import { cannedAnswer, type PorticoAnswer } from '../policy/porticoAnswer.ts';

/**
 * Portico's own short answer (400, 408, 502, 504, …) as HTTP/1.1 bytes. It always says
 * `connection: close`: the caller closes after it, so an unread body can never be taken for the
 * next request (nginx CVE-2019-20372).
 */
export function cannedResponse(status: number): Buffer {
  return porticoResponse(cannedAnswer(status), false, false, false);
}

/**
 * One of Portico's answers as HTTP/1.1 bytes, framed by Content-Length, with `connection: close`
 * unless `keepAlive` (and `connection: keep-alive` for an HTTP/1.0 client kept). `bodiless`
 * answers a HEAD: the length is announced and no body sent (RFC 9110 §9.3.2). Throws
 * `InvalidHeadFieldError` when a header the router supplied is not writable.
 */
export function porticoResponse(answer: PorticoAnswer, keepAlive: boolean, http10: boolean, bodiless: boolean): Buffer {
  const payload = Buffer.from(answer.body, 'utf8');
  const headers = [...answer.headers];
  if (!keepAlive) headers.push(['connection', 'close']);
  else if (http10) headers.push(['connection', 'keep-alive']);
  const head = serializeResponseHead({
    status: answer.status,
    reason: answer.reason,
    headers,
    body: bodiless ? { kind: 'advertised-length', length: payload.length } : { kind: 'length', length: payload.length },
  });
  return bodiless ? head : Buffer.concat([head, payload]);
}
