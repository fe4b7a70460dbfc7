// keepAliveTimeout 0 closes an HTTP/1.1 connection after each response; an HTTP/2 connection,
// which carries many requests at once, is not closed after each: its idle wait (no stream open)
// is headersTimeout instead. The config's description said "closes after each response" for both.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import { h2Request, startFront, startRecordingBackend, type Front, type RecordingBackend } from './helpers/http2Front.ts';

describe('keepAliveTimeout 0 on an HTTP/2 connection', () => {
  let backend: RecordingBackend;
  let front: Front;
  const sessions: http2.ClientHttp2Session[] = [];

  beforeEach(async () => {
    backend = await startRecordingBackend((_req, res) => res.end('ok'));
    // headersTimeout well above a ping's round trip on a loaded machine: the gap between the two requests.
    front = await startFront({ h2c: true }, backend.port, { keepAliveTimeout: 0, headersTimeout: 2_000 });
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy();
    await front.close();
    await backend.close();
  });

  it('keeps the connection after a response, then closes it once headersTimeout passes with no stream open', async () => {
    const session = http2.connect(`http://127.0.0.1:${front.port}`);
    session.on('error', () => {});
    sessions.push(session);
    let goaway: number | undefined;
    session.on('goaway', (code: number) => (goaway = code));
    await once(session, 'remoteSettings');
    assert.equal((await h2Request(session, { ':path': '/1' })).status, 200);
    // A round trip after the response: a GOAWAY sent when it ended would be here before the PING's ACK.
    await new Promise((resolve, reject) => session.ping((error) => (error ? reject(error) : resolve(undefined))));
    assert.equal(goaway, undefined, 'the connection was sent GOAWAY after its first response');
    assert.equal((await h2Request(session, { ':path': '/2' })).status, 200);
    assert.equal(backend.seen.length, 2);
    // Idle now: headersTimeout closes it, quietly.
    if (goaway === undefined) await once(session, 'goaway');
    assert.equal(goaway, http2.constants.NGHTTP2_NO_ERROR);
    if (!session.closed) await once(session, 'close');
  });
});
