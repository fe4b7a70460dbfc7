// keepAliveTimeout on an HTTP/2 connection is idle time: no stream open. It was the session
// socket's silence, so a stream in flight that said nothing for keepAliveTimeout (a slow backend,
// a long poll, a quiet WebSocket) had its connection sent GOAWAY under it, and the client's next
// request needed a new connection; HTTP/1.1 never times a connection out with a request in flight,
// nor does nginx's HTTP/2 (its keepalive_timeout starts when the last stream closes).
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import http2 from 'node:http2';
import { h2Request, startFront, startRecordingBackend, type Front, type RecordingBackend } from './helpers/http2Front.ts';

describe('an HTTP/2 connection\'s keepAliveTimeout', function () {
  let backend: RecordingBackend;
  let front: Front;
  const sessions: http2.ClientHttp2Session[] = [];
  /** Answers to `/slow` the test lets go. */
  const held: Array<() => void> = [];
  const arrivals = new EventEmitter();

  beforeEach(async () => {
    backend = await startRecordingBackend((req, res) => {
      if (req.url !== '/slow') return void res.end('ok');
      held.push(() => res.end('slow'));
      arrivals.emit('held');
    });
    // A new connection waits headersTimeout for its first stream, as an HTTP/1.1 one for its first head.
    front = await startFront({ h2c: true }, backend.port, { keepAliveTimeout: 300, headersTimeout: 300 });
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy();
    for (const answer of held.splice(0)) answer();
    await front.close();
    await backend.close();
  });

  const connect = async (): Promise<http2.ClientHttp2Session> => {
    const session = http2.connect(`http://127.0.0.1:${front.port}`);
    session.on('error', () => {});
    sessions.push(session);
    await once(session, 'remoteSettings');
    return session;
  };

  it('runs only while no stream is open: a quiet stream in flight keeps its connection, which idles out after it', async () => {
    const busy = await connect();
    const slow = h2Request(busy, { ':path': '/slow' });
    let busyGoaway = false;
    busy.on('goaway', () => (busyGoaway = true));
    if (held.length === 0) await once(arrivals, 'held');
    // A connection opened after the stream began, with nothing on it: once it is sent GOAWAY,
    // keepAliveTimeout has passed for the busy one too.
    const idle = await connect();
    await once(idle, 'goaway');
    assert.equal(busyGoaway, false, 'the connection with a stream in flight was sent GOAWAY');
    held.shift()!();
    assert.equal((await slow).status, 200);
    // Still open for new streams, and timed again from its last stream's end.
    assert.equal((await h2Request(busy, { ':path': '/next' })).status, 200);
    await once(busy, 'goaway');
  });
});
