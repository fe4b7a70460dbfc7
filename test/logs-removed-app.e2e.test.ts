import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { resolveConfig } from '@portico/portico';
import { request, startPortico, stopAllPorticos } from './helpers/portico.ts';
import { chattyBackend } from './helpers/porticoCli.ts';

// The in-memory line store (`GET /logs/lines`, `portico logs`) after a reload removes an app: its
// lines are dropped with it, so apps renamed at every deploy do not pile up 128 KiB per worker slot.

const chatty = (name: string) => ({ name, match: { path: `/${name}` }, stripPrefix: true, processPath: process.execPath, arguments: [chattyBackend], start: 'eager', shutdownTimeLimit: 5 });

/** A GET on the admin socket: status and body. */
function admin(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path, headers: { host: 'localhost' } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Follows `/logs/lines` and resolves once every text in `texts` has come. */
function linesCame(socketPath: string, texts: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: '/logs/lines?follow=1', headers: { host: 'localhost' } }, (res) => {
      let seen = '';
      res.setEncoding('utf8').on('data', (c: string) => {
        seen += c;
        if (texts.every((t) => seen.includes(t))) {
          req.destroy();
          resolve();
        }
      });
    });
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
  });
}

describe('output lines of an app a reload removed', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('are dropped from the line store when the reload is applied; the other apps keep theirs', async () => {
    const input = { listen: [{ port: 0, host: '127.0.0.1' }], admin: { port: 0, socket: 'admin.sock' } };
    const { portico, port, dir } = await startPortico({ ...input, apps: [chatty('shop'), chatty('gone')] });
    const socketPath = join(dir, 'admin.sock');
    const came = linesCame(socketPath, ['line-of-shop', 'line-of-gone']);
    await request(port, '/shop/say?text=line-of-shop');
    await request(port, '/gone/say?text=line-of-gone');
    await came;
    assert.match((await admin(socketPath, '/logs/lines')).body, /line-of-gone/);

    const result = await portico.reload(resolveConfig({ ...input, apps: [chatty('shop')] }, { file: join(dir, 'portico.json'), baseDir: dir }));
    assert.equal(result.ok, true);
    const all = await admin(socketPath, '/logs/lines');
    assert.equal(all.status, 200);
    assert.match(all.body, /line-of-shop/);
    assert.doesNotMatch(all.body, /"app":"gone"/);
    assert.equal((await admin(socketPath, '/logs/lines?app=gone')).status, 404);
  });
});
