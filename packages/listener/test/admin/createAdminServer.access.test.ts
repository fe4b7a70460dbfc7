import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createAdminServer, RequestMetrics, type AdminServer } from '../../src/index.ts';
import { FakeAdminSource } from './FakeAdminSource.ts';
import { request } from './http.ts';

const token = 'the-token-of-this-admin-endpoint-0123456789';

function overSocket(socketPath: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, headers, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function upgradeStatus(port: number, protocols: string[]): Promise<number | 'open'> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/live`, protocols);
  const outcome = await Promise.race([
    once(ws, 'open').then(() => 'open' as const),
    once(ws, 'unexpected-response').then(([, res]) => (res as http.IncomingMessage).statusCode ?? 0),
  ]);
  ws.terminate();
  return outcome;
}

describe('createAdminServer (access)', () => {
  let dir: string;
  let admin: AdminServer;
  let port: number;
  let socketPath: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-admin-'));
    socketPath = join(dir, 'run', 'admin.sock');
    admin = createAdminServer({ source: new FakeAdminSource(), metrics: new RequestMetrics(), port: 0, token, socket: { path: socketPath } });
    ({ port } = await admin.start());
  });

  afterEach(async () => {
    await admin.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 401 with a Bearer challenge on TCP without the token or with another, and 200 with it', async () => {
    for (const path of ['/status', '/metrics', '/history', '/history?seconds=1', '/logs?app=shop', '/logs/lines', '/logs/lines?follow=1']) {
      const missing = await request(port, 'GET', path);
      assert.equal(missing.status, 401, path);
      assert.match(String(missing.headers['www-authenticate']), /^Bearer realm="portico-admin"/);
      assert.equal((await request(port, 'GET', path, { Authorization: `Bearer ${token.slice(0, -1)}x` })).status, 401, path);
    }
    assert.equal((await request(port, 'POST', '/reload')).status, 401);
    assert.equal((await request(port, 'GET', '/status', { Authorization: `Bearer ${token}` })).status, 200);
  });

  it('answers /healthz, /readyz, the page shell and its chart library on TCP without a token', async () => {
    for (const path of ['/healthz', '/readyz', '/', '/assets/uplot.js', '/assets/uplot.css']) assert.equal((await request(port, 'GET', path)).status, 200, path);
    // Only those two files: nothing else under /assets, and no path out of the package.
    for (const path of ['/assets/', '/assets/uplot.js/', '/assets/../status', '/assets/uPlot.iife.js', '/assets/%2e%2e/status']) assert.notEqual((await request(port, 'GET', path)).status, 200, path);
  });

  // Before, a token sent to an open path was not looked at: a wrong one was served as no token,
  // so a probe or script with a stale token worked on until it asked for anything else.
  it('refuses another token on an open path with 401 invalid_token, as on every other path', async () => {
    for (const path of ['/healthz', '/readyz', '/', '/assets/uplot.js']) {
      const wrong = await request(port, 'GET', path, { Authorization: `Bearer ${token.slice(0, -1)}x` });
      assert.equal(wrong.status, 401, path);
      assert.match(String(wrong.headers['www-authenticate']), /error="invalid_token"/, path);
      assert.equal((await request(port, 'GET', path, { Authorization: `Bearer ${token}` })).status, 200, path);
    }
  });

  it('opens /live on TCP only for the token offered as a subprotocol', async () => {
    assert.equal(await upgradeStatus(port, []), 401);
    assert.equal(await upgradeStatus(port, ['portico-admin', 'bearer.not-the-token-not-the-token-not-the']), 401);
    assert.equal(await upgradeStatus(port, ['portico-admin', `bearer.${token}`]), 'open');
  });

  it('compares Origin with scheme, host and port', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    assert.equal((await request(port, 'GET', '/status', { ...auth, Origin: `http://127.0.0.1:${port}` })).status, 200);
    for (const origin of [`http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, 'http://127.0.0.1', `http://localhost:${port}`, 'null']) {
      assert.equal((await request(port, 'POST', '/reload', { ...auth, Origin: origin })).status, 403, origin);
    }
  });

  it('serves the unix socket without a token, with mode 0600 in a folder of mode 0700', async () => {
    assert.equal((await stat(socketPath)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'run'))).mode & 0o777, 0o700);
    assert.equal(await overSocket(socketPath, '/status'), 200);
  });

  it('gives the socket to a group with mode 0660 in a folder of mode 0750', async () => {
    const grouped = createAdminServer({ source: new FakeAdminSource(), metrics: new RequestMetrics(), port: 0, token, socket: { path: join(dir, 'g', 'admin.sock'), group: process.getgid!() } });
    try {
      await grouped.start();
      assert.equal((await stat(join(dir, 'g', 'admin.sock'))).mode & 0o777, 0o660);
      assert.equal((await stat(join(dir, 'g'))).mode & 0o777, 0o750);
    } finally {
      await grouped.close();
    }
  });

  it('refuses a socket where one still answers, and binds again once it is closed', async () => {
    const second = createAdminServer({ source: new FakeAdminSource(), metrics: new RequestMetrics(), port: 0, token, socket: { path: socketPath } });
    await assert.rejects(second.start(), /EADDRINUSE/);
    await admin.close();
    admin = createAdminServer({ source: new FakeAdminSource(), metrics: new RequestMetrics(), port: 0, token, socket: { path: socketPath } });
    await admin.start();
    assert.equal(await overSocket(socketPath, '/status'), 200);
  });
});
