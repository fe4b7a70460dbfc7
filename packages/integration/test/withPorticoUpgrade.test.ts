import assert from 'node:assert/strict';
import http, { type IncomingMessage } from 'node:http';
import net from 'node:net';
import { getPortico, withPorticoUpgrade } from '../src/index.ts';

const token = 'upgrade-test-token-0123456789abcd';

function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('end', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('withPorticoUpgrade', () => {
  let server: http.Server;
  let port: number;
  const seen: IncomingMessage[] = [];

  before(async () => {
    server = http.createServer();
    server.on(
      'upgrade',
      withPorticoUpgrade(
        (req, socket) => {
          seen.push(req);
          socket.end('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n');
        },
        { env: { PORTICO_TOKEN: token }, logger: { error: () => {} } },
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());

  const upgrade = (extra: string) =>
    `GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

  it('answers 400 and closes an upgrade without the token', async () => {
    const answer = await rawExchange(port, upgrade(''));
    assert.match(answer, /^HTTP\/1\.1 400 /);
  });

  it('answers 400 to a wrong token', async () => {
    const answer = await rawExchange(port, upgrade('x-portico-token: wrong\r\n'));
    assert.match(answer, /^HTTP\/1\.1 400 /);
  });

  it('hands a valid upgrade to the handler without the token and with req.portico', async () => {
    const answer = await rawExchange(port, upgrade(`x-portico-token: ${token}\r\nx-forwarded-for: 10.0.0.7\r\n`));
    assert.match(answer, /^HTTP\/1\.1 101 /);
    const req = seen.at(-1)!;
    assert.equal(req.headers['x-portico-token'], undefined);
    assert.equal(getPortico(req)?.clientAddress, '10.0.0.7');
  });
});
