import assert from 'node:assert/strict';
import { createAdminServer, RequestMetrics, type AdminServer, type AdminSource, type WorkerOutputTail } from '../../src/index.ts';
import { FakeAdminSource } from './FakeAdminSource.ts';
import { request } from './http.ts';

/** The fake source, with output tails per app. */
class TailingSource extends FakeAdminSource {
  tails: Record<string, readonly WorkerOutputTail[]> = {
    shop: [
      { worker: 'shop#1', pid: 4250, tail: 'listening on 40123\nGET / 200\n' },
      { worker: 'shop#2', pid: undefined, tail: '' },
    ],
  };
  asked: string[] = [];

  logs(app: string): readonly WorkerOutputTail[] | undefined {
    this.asked.push(app);
    return Object.hasOwn(this.tails, app) ? this.tails[app] : undefined;
  }
}

describe('createAdminServer GET /logs', () => {
  const servers: AdminServer[] = [];
  const serve = async (source: AdminSource) => {
    const admin = createAdminServer({ source, metrics: new RequestMetrics(), port: 0 });
    servers.push(admin);
    return (await admin.start()).port;
  };
  afterEach(() => Promise.all(servers.splice(0).map((s) => s.close())));

  it('answers the app\'s worker tails as text, each under a header line', async () => {
    const port = await serve(new TailingSource());
    const res = await request(port, 'GET', '/logs?app=shop');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(res.body, '==> shop#1 (pid 4250) <==\nlistening on 40123\nGET / 200\n\n==> shop#2 (no process) <==\n');
  });

  it('ends a tail without a final line break with one, so the next header starts a line', async () => {
    const source = new TailingSource();
    source.tails = { shop: [{ worker: 'shop#1', pid: 1, tail: 'partial' }, { worker: 'shop#2', pid: 2, tail: 'x\n' }] };
    const res = await request(await serve(source), 'GET', '/logs?app=shop');
    assert.equal(res.body, '==> shop#1 (pid 1) <==\npartial\n\n==> shop#2 (pid 2) <==\nx\n');
  });

  it('answers JSON when the client accepts application/json', async () => {
    const port = await serve(new TailingSource());
    const res = await request(port, 'GET', '/logs?app=shop', { Accept: 'application/json' });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['vary'], 'Accept');
    assert.deepEqual(JSON.parse(res.body), {
      app: 'shop',
      workers: [
        { worker: 'shop#1', pid: 4250, tail: 'listening on 40123\nGET / 200\n' },
        { worker: 'shop#2', tail: '' },
      ],
    });
  });

  it('decodes the app name from the query string', async () => {
    const source = new TailingSource();
    await request(await serve(source), 'GET', '/logs?app=my%20app');
    assert.deepEqual(source.asked, ['my app']);
  });

  it('answers 404 naming an unknown app', async () => {
    const res = await request(await serve(new TailingSource()), 'GET', '/logs?app=nope');
    assert.equal(res.status, 404);
    assert.match(res.body, /no app named "nope"/);
  });

  it('answers 400 without an app', async () => {
    const res = await request(await serve(new TailingSource()), 'GET', '/logs');
    assert.equal(res.status, 400);
    assert.match(res.body, /GET \/logs\?app=NAME/);
  });

  it('answers 501 when the source keeps no tails', async () => {
    const res = await request(await serve(new FakeAdminSource()), 'GET', '/logs?app=shop');
    assert.equal(res.status, 501);
  });

  it('answers 405 to a POST, naming GET and HEAD', async () => {
    const res = await request(await serve(new TailingSource()), 'POST', '/logs?app=shop');
    assert.deepEqual([res.status, res.headers['allow']], [405, 'GET, HEAD']);
  });

  it('refuses a foreign Host like every admin endpoint', async () => {
    const res = await request(await serve(new TailingSource()), 'GET', '/logs?app=shop', { Host: 'evil.example' });
    assert.equal(res.status, 403);
  });

  it('refuses a source whose logs is not a function', () => {
    const source = Object.assign(new FakeAdminSource(), { logs: 'yes' }) as unknown as AdminSource;
    assert.throws(() => createAdminServer({ source, metrics: new RequestMetrics(), port: 0 }), { code: 'PORTICO_ERR_LISTENER_INVALID_OPTION' });
  });
});
