// A head parser keeps its field lists for its connection's life (FieldLines, d95e16e): each test
// here pipelines, on one connection, valid requests and then one carrying a byte the framer must
// refuse, in a name or a value (some of them a value the request before sent valid), and holds
// that the bad one gets 400 and never reaches the backend, and that the backend, which echoes the
// fields it got, saw each earlier request with its own fields only: none of an earlier request's.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { closeAll, startHttpBackend, startProxy, upstreamAt } from './harness.ts';

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** The answers in `text`, each read by its content-length. */
function answers(text: string): Answer[] {
  const out: Answer[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) return out;
    const head = rest.slice(0, end);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    out.push({ status: Number(head.slice(9, 12)), body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
}

/** Sends `requests` on one connection (all in one write, or each after the answer before) and reads until it closes. */
async function pipeline(port: number, requests: readonly string[], oneWrite: boolean): Promise<Answer[]> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  let text = '';
  let sent = 0;
  const next = () => socket.write(Buffer.from(requests[sent++]!, 'latin1'));
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    if (!oneWrite && sent < requests.length && answers(text).length === sent) next();
  });
  if (oneWrite) socket.write(Buffer.from(requests.join(''), 'latin1'));
  else next();
  await once(socket, 'close');
  return answers(text);
}

const valid = (n: number, fields: string) => `GET /valid-${n} HTTP/1.1\r\nHost: a\r\n${fields}\r\n`;
const lots = Array.from({ length: 20 }, (_, i) => `X-Field-${i}: value-${i}\r\n`).join('');

/** A bad request (its fields), after two valid ones whose second sends `X-Was-Valid: fine`. */
const hostile: ReadonlyArray<readonly [string, string]> = [
  ['bare CR in a value', 'X-Was-Valid: fi\rne\r\n'],
  ['bare LF in a value', 'X-Was-Valid: fi\nne\r\n'],
  ['bare LF ending a field line', 'X-Was-Valid: fine\nX-Next: 1\r\n'],
  ['NUL in a value', 'X-Was-Valid: fi\0ne\r\n'],
  ['NUL in a name', 'X-Was\0Valid: fine\r\n'],
  ['DEL in a value', 'X-Was-Valid: fi\x7fne\r\n'],
  ['another control in a value', 'X-Was-Valid: fi\x01ne\r\n'],
  ['obs-fold', 'X-Was-Valid: fine\r\n folded\r\n'],
  ['obs-fold with a tab', 'X-Was-Valid: fine\r\n\tfolded\r\n'],
  ['U+00A0 in a name', 'X-Was\xa0Valid: fine\r\n'],
  ['U+00A0 ending a name', 'X-Was-Valid\xa0: fine\r\n'],
  ['UTF-8 in a name', 'X-Caf\xc3\xa9: fine\r\n'],
  ['a space in a name', 'X Was: fine\r\n'],
  ['a space before the colon', 'X-Was-Valid : fine\r\n'],
  ['"@" in a name', 'X-Was@Valid: fine\r\n'],
  ['an empty name', ': fine\r\n'],
  ['a line without a colon', 'X-Was-Valid fine\r\n'],
];

describe('forwarder: refused fields pipelined after valid requests on one connection', () => {
  afterEach(closeAll);

  for (const oneWrite of [true, false]) {
    for (const [name, fields] of hostile) {
      it(`${name}: 400, never forwarded, and no earlier field in a later request (${oneWrite ? 'one write' : 'one request at a time'})`, async () => {
        const seen: Array<{ url: string; rawHeaders: string[] }> = [];
        const backend = await startHttpBackend((req, res) => {
          seen.push({ url: req.url!, rawHeaders: req.rawHeaders });
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(req.rawHeaders));
        });
        const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
        const requests = [valid(1, lots), valid(2, 'X-Was-Valid: fine\r\n'), `GET /bad HTTP/1.1\r\nHost: a\r\n${fields}\r\n`, valid(3, '')];
        const got = await pipeline(proxy.port, requests, oneWrite);
        assert.deepEqual(got.map((a) => a.status), [200, 200, 400], `answers: ${JSON.stringify(got)}`);
        assert.deepEqual(seen.map((s) => s.url), ['/valid-1', '/valid-2'], 'the refused request, and what followed it, never reached the backend');
        const names = (raw: readonly string[]) => raw.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
        const first = names(seen[0]!.rawHeaders);
        const second = names(seen[1]!.rawHeaders);
        assert.equal(first.filter((n) => n.startsWith('x-field-')).length, 20);
        assert.deepEqual(second.filter((n) => n.startsWith('x-field-') || n === 'x-was-valid'), ['x-was-valid'], `the second request's fields: ${JSON.stringify(seen[1]!.rawHeaders)}`);
        assert.equal(seen[1]!.rawHeaders[seen[1]!.rawHeaders.findIndex((n) => n.toLowerCase() === 'x-was-valid') + 1], 'fine');
      });
    }
  }

  it('forwards U+00A0 and UTF-8 in a value as the same bytes (obs-text), between requests without them', async () => {
    const seen: string[][] = [];
    const backend = await startHttpBackend((req, res) => {
      seen.push(req.rawHeaders);
      res.end('ok');
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const got = await pipeline(proxy.port, [valid(1, 'X-V: plain\r\n'), valid(2, 'X-V: \xa0caf\xc3\xa9\xa0\r\n'), valid(3, 'Connection: close\r\n')], true);
    assert.deepEqual(got.map((a) => a.status), [200, 200, 200]);
    const value = (raw: readonly string[]) => {
      const at = raw.findIndex((n) => n.toLowerCase() === 'x-v');
      return at === -1 ? undefined : raw[at + 1];
    };
    assert.deepEqual(seen.map(value), ['plain', '\xa0caf\xc3\xa9\xa0', undefined]);
  });
});
