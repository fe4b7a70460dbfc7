// A stream in flight on an HTTP/2 connection that node:http2 destroys because the client passed
// one of nghttp2's bounds (or one of node:http2's own) ends with that connection. nginx counts such
// a request as one whose client went (499), and so does Portico; but its log said the client
// reset the stream, which it never did: the line now says which bound closed the connection, as
// for the connections Portico closes itself, and a request.refused line (status 0) says it once
// for the connection. The invalid-frames bound is held by forwarderIncomplete.test.ts.
import assert from 'node:assert/strict';
import { FrameType, RawHttp2Client, frame, headers, ping, request, settings } from '@portico/test-support/http2';
import { startFront, startRecordingBackend, type Front, type RecordingBackend } from './helpers/http2Front.ts';

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A header block fragment of one literal field (`a: b`), for a block a CONTINUATION flood never ends. */
const fragment = Buffer.from([0x00, 1, 0x61, 1, 0x62]);

describe('HTTP/2: a stream ended by a bound of nghttp2 says which', () => {
  let backend: RecordingBackend | undefined;
  let front: Front | undefined;
  let client: RawHttp2Client | undefined;
  afterEach(async () => {
    client?.close();
    await front?.close();
    await backend?.close();
  });

  /** Stream 1 is held at the backend when `attack` runs; resolves with the front's aborted and refused lines once the connection is gone. */
  async function attackBeside(attack: (a: RawHttp2Client) => Promise<void>): Promise<{ aborted: string[]; refused: string[] }> {
    backend = await startRecordingBackend((req, res) => {
      if (req.url !== '/held') res.end('ok');
    });
    // A client that reads nothing gets sendTimeout for the front's last frames once the connection
    // is closed, then the 2 s linger (docs/proxy.md): a second here, so a flood that filled the
    // kernel's buffers is not held for the default minute.
    front = await startFront({ h2c: true }, backend.port, { sendTimeout: 1_000 });
    const a = (client = await RawHttp2Client.connect(front.port));
    a.send(headers(1, request('GET', '/held'), true));
    while (backend.seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await attack(a);
    while (front.forwarder.connectionCount > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const events = front.events;
    return {
      aborted: events.flatMap((e) => (e.type === 'response.aborted' ? [e.reason] : [])),
      refused: events.flatMap((e) => (e.type === 'request.refused' ? [`${e.status} ${e.reason}`] : [])),
    };
  }

  /** The line of every stream ended by the connection's close for `bound`, and the one refusal. */
  function assertClosedFor(seen: { aborted: string[]; refused: string[] }, bound: string): void {
    assert.ok(seen.aborted.length > 0, 'the stream in flight was aborted');
    assert.deepEqual(new Set(seen.aborted), new Set([`Portico closed the HTTP/2 connection before the response was complete: ${bound}`]));
    assert.deepEqual(seen.refused, [`0 ${bound}`]);
  }

  // Each write holds 2 000 frames, so that one read of the server's holds more than 1 000: nghttp2
  // queues an acknowledgement per frame as it takes in a read and sends none before the read is
  // done, so the bound is passed within that read. Writes of 1 000 frames passed it only when two
  // writes met in one read, or once the kernel's buffers between client and server were full; but
  // node:http2 stops reading while its write to the socket is blocked, and when it stopped first
  // the flood never reached nghttp2: under load the connection stayed open for thousands of rounds
  // (4 runs in 6 with six runs side by side at a load average of 28) and the case timed out.
  it('names the flood bound for a PING flood from a client that reads nothing', async () => {
    const seen = await attackBeside(async (a) => {
      a.socket.pause();
      for (let i = 0; i < 100 && !a.closed; i++) {
        a.send(...Array.from({ length: 2000 }, (_, j) => ping(j)));
        await turn();
      }
    });
    assertClosedFor(seen, "nghttp2's flood bound: more than 1000 SETTINGS and PING acknowledgements queued for a client that reads nothing (CVE-2019-9512, CVE-2019-9515)");
  });

  it('names the flood bound for a SETTINGS flood from a client that reads nothing', async () => {
    const seen = await attackBeside(async (a) => {
      a.socket.pause();
      for (let i = 0; i < 100 && !a.closed; i++) {
        a.send(...Array.from({ length: 2000 }, () => settings()));
        await turn();
      }
    });
    assertClosedFor(seen, "nghttp2's flood bound: more than 1000 SETTINGS and PING acknowledgements queued for a client that reads nothing (CVE-2019-9512, CVE-2019-9515)");
  });

  it('names the CONTINUATION bound for a header block of endless CONTINUATION frames', async () => {
    const seen = await attackBeside(async (a) => {
      a.send(frame(FrameType.HEADERS, 0, 3, fragment), ...Array.from({ length: 20 }, () => frame(FrameType.CONTINUATION, 0, 3, fragment)));
    });
    assertClosedFor(seen, "nghttp2's bound of 8 CONTINUATION frames in one header block (CVE-2024-28182)");
  });

  it('names the connection error for streams past the acknowledged concurrent-stream limit', async () => {
    const seen = await attackBeside(async (a) => {
      // 128 streams at once, the one in flight included, are the limit; the backend holds none of the others.
      a.send(...Array.from({ length: 200 }, (_, i) => headers(3 + 2 * i, request('GET', `/held`), true)));
    });
    assertClosedFor(seen, 'a connection error nghttp2 found in what the client sent, and answered with GOAWAY (RFC 9113 §5.4.1): a stream past the acknowledged SETTINGS_MAX_CONCURRENT_STREAMS (128), a frame on a closed stream, a WINDOW_UPDATE of 0, or another breach of the protocol');
  });
});
