// The embedded forwarder's exchange checks the events it is given against where it stands, as the
// socket forwarder's Exchange does (Exchange.test.ts, "catches an impossible event"): an event its
// state rules out is a bug, reported as `internal.error` with a ForwarderStateError, and the
// exchange is torn down (backend request aborted, client connection reset), never guessed past.
// The events here come from the host's request object, which a host's own code can also emit on:
// before, a body piece after the body's end was written to the backend request after its end, and
// a second end went unnoticed.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { ForwarderStateError, type Dispatch, type Upstream } from '@portico/router';
import { turnsUntil } from '@portico/test-support';
import { closeAll, rawRequest, startHost, startHttpBackend, upstreamAt, type Host } from './embedHarness.ts';
import { signal } from '../forward/harness.ts';

const forward = (upstream: Upstream): (() => Dispatch) => () => ({ kind: 'forward', upstream });

/** A backend that reads each request whole and holds its answer until `answer()`: the exchange stays in flight. */
async function heldBackend(): Promise<{ readonly upstream: Upstream; readonly bodies: string[]; readonly aborted: () => number; readonly answer: () => void }> {
  const bodies: string[] = [];
  let aborted = 0;
  const gate = signal();
  const backend = await startHttpBackend((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) aborted++;
    });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      bodies.push(body);
      void gate.promise.then(() => res.end('ok'));
    });
    req.on('error', () => {});
  });
  return { upstream: upstreamAt(backend.port), bodies, aborted: () => aborted, answer: gate.fire };
}

/** The request objects the host's server hands its handler, in order. */
function hostRequests(host: Host): IncomingMessage[] {
  const requests: IncomingMessage[] = [];
  host.server.on('request', (req: IncomingMessage) => requests.push(req));
  return requests;
}

const POST = 'POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello';

describe('embedded forwarder: events its state rules out', () => {
  afterEach(closeAll);

  for (const [event, emit] of [
    ['request body after its end', (req: IncomingMessage) => req.emit('data', Buffer.from('smuggled'))],
    ['a second end of the request body', (req: IncomingMessage) => req.emit('end')],
  ] as const) {
    it(`reports ${event} as internal.error, aborts the backend request and resets the client`, async () => {
      const backend = await heldBackend();
      const host = await startHost(forward(backend.upstream));
      const requests = hostRequests(host);
      const replied = rawRequest(host.port, POST);
      // The backend has the whole request and holds its answer: then the host's request object
      // gets the event.
      await turnsUntil(() => backend.bodies.length === 1);
      emit(requests[0]!);
      const reply = await replied;
      const reported = host.events.find((e) => e.type === 'internal.error');
      assert.ok(reported?.type === 'internal.error');
      assert.ok(reported.error instanceof ForwarderStateError, String(reported.error));
      assert.match(reported.error.message, new RegExp(`HttpExchange got ${event} in phase (connecting|awaiting-head)`));
      assert.equal(reply.ended, 'reset', reply.text);
      assert.equal(reply.text, '', 'no answer reached the client');
      // The backend's request was aborted, unanswered; it never got the smuggled bytes nor a
      // second request, and nothing is blamed on it.
      await turnsUntil(() => backend.aborted() === 1);
      backend.answer();
      assert.deepEqual(backend.bodies, ['hello']);
      assert.deepEqual(host.events.filter((e) => e.type === 'upstream.failed'), []);
      await turnsUntil(() => host.released.length === 1);
      assert.deepEqual(host.released.map((o) => ({ status: o.status, incomplete: o.incomplete })), [{ status: 0, incomplete: false }]);
    });
  }
});
