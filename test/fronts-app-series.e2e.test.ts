import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '@portico/portico';
import { admin, app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

/** The app's 2xx count on /metrics, which asks every front first; undefined when it has no series. */
const answered = (text: string, name: string): number | undefined => {
  const line = new RegExp(`^portico_requests_total\\{app="${name}",code_class="2xx"\\} (\\d+)$`, 'm').exec(text);
  return line ? Number(line[1]) : undefined;
};

// A front kept the request series of every app it ever served: an app removed by a reload stayed
// in every front for good, and one added again came back on /metrics with the counts of the one
// removed (the control had dropped its own; the fronts had not), where one process starts it
// from zero. The control now has the fronts drop an app's series when it drops its own.
describe('fronts: an app removed by a reload and added again', function () {
  this.timeout(90_000);
  afterEach(stopAllPorticos);

  it('starts again from zero, as with one process, and its counts never fall while it exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-fronts-series-'));
    const socket = join(dir, 'run', 'admin.sock');
    const apps = (withBlog: boolean) => [app('shop', { start: 'eager' }), ...(withBlog ? [app('blog', { start: 'eager', match: { path: '/blog' } })] : [])];
    const config = (withBlog: boolean) => resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], fronts: 2, admin: { port: 0, socket }, apps: apps(withBlog) }, { file: join(dir, 'portico.json'), baseDir: dir });
    const { portico, port } = await startPortico({ fronts: 2, admin: { port: 0, socket }, apps: apps(true) }, dir);
    const unanswered = () => portico.status().fronts!.reduce((sum, f) => sum + f.unansweredAsks, 0);
    /** /metrics once every front answered the ask it made (a front slow to answer gives its last report). */
    const metrics = async (): Promise<string> => {
      for (;;) {
        const before = unanswered();
        const text = await admin(socket, '/metrics');
        if (unanswered() === before) return text;
      }
    };
    /** How many fronts have counted requests to `name`, as of the last /metrics. */
    const frontsServed = (name: string) => [...portico.metrics.sources().values()].filter((counts) => (counts[name]?.requests.reduce((sum, n) => sum + n, 0) ?? 0) > 0).length;
    // A connection each, which the kernel spreads over the fronts, until both have served it: a
    // front that never did has no series of it to keep, and would not show the fault.
    let sent = 0;
    while (sent < 2 || frontsServed('blog') < 2) {
      assert.equal((await request(port, `/blog/${sent++}`)).status, 200);
      assert.equal(answered(await metrics(), 'blog'), sent);
    }

    assert.equal((await portico.reload(config(false))).ok, true);
    // Its series goes once its workers have drained.
    while (answered(await metrics(), 'blog') !== undefined) await new Promise((resolve) => setTimeout(resolve, 50));

    assert.equal((await portico.reload(config(true))).ok, true);
    assert.equal(answered(await metrics(), 'blog'), 0, 'added again: a new series, from zero');
    for (let i = 1; i <= 4 || frontsServed('blog') < 2; i++) {
      assert.equal((await request(port, `/blog/again${i}`)).status, 200);
      assert.equal(answered(await metrics(), 'blog'), i, `request ${i} of the app added again`);
    }
  });
});
