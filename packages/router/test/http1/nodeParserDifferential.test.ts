// Differential test against Node's own parser (llhttp, insecureHTTPParser off): we accept only a
// subset of what Node accepts, and where both accept, we agree on every request and body.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import fc from 'fast-check';
import { fuzzSeed } from './fuzzSeed.ts';
import { raw, readMessages } from './readMessages.ts';

interface NodeRequest {
  method: string;
  url: string;
  body: Buffer[];
  complete: boolean;
}

interface NodeRecord {
  requests: NodeRequest[];
  error: string | undefined;
  closed: Promise<unknown>;
}

const records = new Map<number, NodeRecord>();
let server: http.Server;
let port: number;

before(async () => {
  server = http.createServer({ insecureHTTPParser: false, keepAliveTimeout: 5000 }, (req, res) => {
    const record = records.get(req.socket.remotePort!);
    const entry: NodeRequest = { method: req.method!, url: req.url!, body: [], complete: false };
    record?.requests.push(entry);
    req.on('data', (d: Buffer) => entry.body.push(d));
    req.on('end', () => {
      entry.complete = true;
      res.end('ok');
    });
    req.on('error', () => {});
  });
  server.on('connection', (socket: net.Socket) => {
    records.set(socket.remotePort!, { requests: [], error: undefined, closed: once(socket, 'close') });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
    const record = records.get(socket.remotePort!);
    if (record) record.error = err.code ?? err.message;
    // Let already-parsed requests deliver their body events before the socket goes.
    setImmediate(() => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function sendToNode(bytes: Buffer): Promise<NodeRecord> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const localPort = socket.localPort!;
  socket.on('error', () => {});
  socket.resume();
  socket.end(bytes);
  await once(socket, 'close');
  const record = records.get(localPort);
  assert.ok(record, 'server saw the connection');
  await record.closed;
  records.delete(localPort);
  return record;
}

// ----- generators -----

const methods = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH') },
  { weight: 1, arbitrary: fc.constantFrom('get', 'Post', 'G(T', 'CONNECT', 'BREW', '') },
);
const targets = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('/', '/a/b?c=d', '/x%20y', '/s?a[]=1&b={x}', '/~user/;p') },
  { weight: 2, arbitrary: fc.constantFrom('*', 'http://h/p', 'http://h', 'https://h:8/x?y') },
  { weight: 2, arbitrary: fc.constantFrom('//evil/x', '/a#f', '/%zz', '/\xe9', 'a:443', '\\\\h/x', '/a\\b', 'http://u@h/') },
);
const versions = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0') },
  { weight: 1, arbitrary: fc.constantFrom('HTTP/1.2', 'HTTP/2.0', 'http/1.1', 'HTTP/1.1 ', 'HTTP/11') },
);
const extraHeaders = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<[string, string]>(
    ['Accept', '*/*'], ['X-A', 'b c'], ['Cookie', 'a=1; b=2'], ['Connection', 'keep-alive'], ['Connection', 'close'],
    ['Connection', 'x-foo, bar'], ['Expect', '100-continue'], ['X-Latin', 'caf\xe9'], ['X-Empty', ''], ['X-Tab', 'a\tb'],
    ['Content-Length', '0'], ['Transfer-Encoding', 'chunked'], ['transfer-encoding', 'Chunked'],
  ) },
  { weight: 1, arbitrary: fc.constantFrom<[string, string]>(
    ['Expect', 'bogus'], ['Host', 'b'], ['Host', 'a/b'], ['Content-Length', '5'], ['Content-Length', '+5'], ['Content-Length', ''],
    ['Content-Length', '1 2'], ['Transfer-Encoding', ',chunked'], ['Transfer-Encoding', 'identity, chunked'],
    ['Transfer-Encoding', 'gzip'], ['Transfer-Encoding', 'chunked, gzip'], ['Transfer_Encoding', 'chunked'],
    ['X-Nul', 'a\x00b'], ['X-Vt', '\x0bv'], ['Content-Length', '00'], ['Upgrade', 'h2c'],
  ) },
);
const bodies = fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'b', '\r', '\n', '0', ' ', 'G', '\x00') });

interface GeneratedRequest {
  method: string;
  target: string;
  version: string;
  host: number;
  extra: Array<[string, string]>;
  framing: 'none' | 'length' | 'chunked' | 'broken-chunked';
  body: string;
}

const requests = fc.record<GeneratedRequest>({
  method: methods,
  target: targets,
  version: versions,
  host: fc.oneof({ weight: 12, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constantFrom(0, 2) }),
  extra: fc.array(extraHeaders, { maxLength: 3 }),
  framing: fc.constantFrom('none', 'none', 'length', 'length', 'chunked', 'chunked', 'chunked', 'broken-chunked'),
  body: bodies,
});

function serialize(r: GeneratedRequest): string {
  let s = `${r.method} ${r.target} ${r.version}\r\n`;
  for (let i = 0; i < r.host; i++) s += 'Host: a\r\n';
  for (const [n, v] of r.extra) s += `${n}: ${v}\r\n`;
  if (r.framing === 'length') s += `Content-Length: ${r.body.length}\r\n\r\n${r.body}`;
  else if (r.framing === 'chunked') s += `Transfer-Encoding: chunked\r\n\r\n${r.body.length > 0 ? `${r.body.length.toString(16)}\r\n${r.body}\r\n` : ''}0\r\n\r\n`;
  else if (r.framing === 'broken-chunked') s += `Transfer-Encoding: chunked\r\n\r\n${r.body}\r\n0\r\n\r\n`;
  else s += '\r\n';
  return s;
}

type Mutation = { kind: string; at: number; n: number };
const mutations = fc.record<Mutation>({
  kind: fc.constantFrom('bare-lf', 'bare-cr', 'space-before-colon', 'nul', 'obs-fold', 'upper', 'lower', 'dup-line', 'many-headers', 'leading-crlf'),
  at: fc.nat(),
  n: fc.integer({ min: 90, max: 110 }),
});

function mutate(s: string, m: Mutation): string {
  const crlfs = [...s.matchAll(/\r\n/g)].map((x) => x.index);
  const colons = [...s.matchAll(/:/g)].map((x) => x.index);
  const pick = (list: number[]): number | undefined => (list.length === 0 ? undefined : list[m.at % list.length]);
  switch (m.kind) {
    case 'bare-lf': { const i = pick(crlfs); return i === undefined ? s : s.slice(0, i) + s.slice(i + 1); }
    case 'bare-cr': { const i = pick(crlfs); return i === undefined ? s : s.slice(0, i + 1) + s.slice(i + 2); }
    case 'space-before-colon': { const i = pick(colons); return i === undefined ? s : `${s.slice(0, i)} ${s.slice(i)}`; }
    case 'nul': { const i = m.at % (s.length + 1); return `${s.slice(0, i)}\x00${s.slice(i)}`; }
    case 'obs-fold': { const i = pick(colons); return i === undefined ? s : `${s.slice(0, i + 1)}\r\n ${s.slice(i + 1)}`; }
    case 'upper': return s.toUpperCase();
    case 'lower': return s.toLowerCase();
    case 'dup-line': {
      const i = pick(crlfs);
      if (i === undefined) return s;
      const start = s.lastIndexOf('\n', i - 1) + 1;
      return s.slice(0, i + 2) + s.slice(start, i + 2) + s.slice(i + 2);
    }
    case 'many-headers': { const i = s.indexOf('\r\n'); return i < 0 ? s : s.slice(0, i + 2) + 'X-F: 1\r\n'.repeat(m.n) + s.slice(i + 2); }
    default: return `\r\n${s}`;
  }
}

const inputs = fc.record({
  requests: fc.array(requests, { minLength: 1, maxLength: 3 }),
  mutation: fc.option(mutations, { freq: 3 }),
}).map(({ requests: rs, mutation }) => {
  const s = rs.map(serialize).join('');
  return mutation === null ? s : mutate(s, mutation);
});

const stats = { runs: 0, accepted: 0 };
async function compare(input: string): Promise<void> {
  stats.runs++;
  const bytes = raw(input);
  const ours = readMessages(bytes);
  const node = await sendToNode(bytes);
  const nodeDone = node.requests.filter((r) => r.complete);
  let compared = 0;
  let cut = false;
  for (const m of ours.messages) {
    const theirs = nodeDone[compared];
    assert.ok(theirs, `we accept request ${compared} (${m.head.method} ${m.head.target}) that Node refused (${node.error ?? 'no error'})`);
    assert.equal(theirs.method, m.head.method);
    assert.equal(theirs.url, m.head.target);
    assert.deepEqual(Buffer.concat(theirs.body), m.body, 'body bytes differ');
    compared++;
    stats.accepted++;
    // After a response that closes the connection, neither side reads further requests.
    if (!m.head.keepAlive) { cut = true; break; }
  }
  if (!cut && ours.error === undefined && !ours.incomplete) {
    assert.equal(node.error, undefined, `Node refused (${node.error}) what we accept`);
    assert.equal(nodeDone.length, compared, 'number of requests differs');
  }
}

describe('RequestHeadParser differential against node:http', function () {
  this.timeout(30_000);

  it('accepts a subset of what Node accepts for a set of hand-picked inputs', async () => {
    for (const input of [
      'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
      'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /y HTTP/1.1\r\nHost: a\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n',
      'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET http://h/p?q HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET / HTTP/1.0\r\n\r\n',
      '\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n',
    ]) await compare(input);
  });

  it(`agrees with Node on generated and mutated requests (seed ${fuzzSeed})`, async () => {
    await fc.assert(fc.asyncProperty(inputs, compare), {
      seed: fuzzSeed,
      numRuns: 4000,
      interruptAfterTimeLimit: 10_000,
      markInterruptAsFailure: false,
    });
    // A generator that produced only garbage would compare nothing.
    assert.ok(stats.accepted >= stats.runs / 10, `only ${stats.accepted} of ${stats.runs} inputs had an accepted request`);
  });

  it('handles Node 20\'s >2000-header flaw by refusing at our header limit', async () => {
    const input = `POST / HTTP/1.1\r\nHost: a\r\n${'X: a\r\n'.repeat(2001)}Content-Length: 5\r\n\r\nhello`;
    assert.equal(readMessages(raw(input)).error?.status, 431);
  });
});
