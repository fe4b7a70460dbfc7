import assert from 'node:assert/strict';
import type { ResponseHead } from '../../src/http1/ResponseHead.ts';
import { ResponseHeadParser } from '../../src/http1/ResponseHeadParser.ts';
import { switchProblem } from '../../src/internal/policy/switchProblem.ts';

// A 101 opens a tunnel only when it completes the handshake Portico sent (RFC 6455 §4.1): a 101
// passed on from elsewhere (an SSRF-induced status, 0ang3el/websocket-smuggle) has no accept
// hash of the key, and a tunnel on it would carry the client's next bytes to the backend raw.

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
/** RFC 6455 §1.3's own example: the accept for KEY. */
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
const websocket = { kind: 'websocket', key: KEY } as const;

function head(fields: string): ResponseHead {
  const r = new ResponseHeadParser().push(Buffer.from(`HTTP/1.1 101 Switching Protocols\r\n${fields}\r\n`, 'latin1'), 'GET');
  assert.equal(r.kind, 'head', fields);
  return (r as { head: ResponseHead }).head;
}

describe('switchProblem', () => {
  it('accepts a 101 that completes the handshake, in any case of its tokens', () => {
    assert.equal(switchProblem(websocket, head(`Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n`)), undefined);
    assert.equal(switchProblem(websocket, head(`upgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\nsec-websocket-accept: ${ACCEPT}\r\n`)), undefined);
  });

  const refused: Array<[string, string]> = [
    ['no header at all', ''],
    ['no Upgrade', `Connection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n`],
    ['Upgrade: h2c', `Upgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n`],
    ['two Upgrade lines', `Upgrade: websocket\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n`],
    ['no Connection: upgrade', `Upgrade: websocket\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n`],
    ['no accept', 'Upgrade: websocket\r\nConnection: Upgrade\r\n'],
    ['an accept of another key', 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: c3RvbGVuIGFjY2VwdCB2YWx1ZQ==\r\n'],
    ['the key itself as the accept', `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${KEY}\r\n`],
    ['two accept lines', `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n`],
  ];
  for (const [what, fields] of refused) {
    it(`refuses a 101 with ${what}`, () => assert.match(switchProblem(websocket, head(fields)) ?? 'accepted', /^backend's 101 has/));
  }

  it('refuses any 101 to a request that asked for no WebSocket', () => {
    const complete = head(`Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n`);
    assert.match(switchProblem(undefined, complete) ?? '', /asked for no WebSocket/);
    assert.match(switchProblem({ kind: 'other', protocols: ['h2c'] }, complete) ?? '', /asked for no WebSocket/);
  });
});
