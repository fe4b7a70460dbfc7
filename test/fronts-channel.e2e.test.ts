import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from './helpers/frontClients.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';

const spoofingFront = fileURLToPath(new URL('./fixtures/spoofing-front.mjs', import.meta.url));
const orphaningFront = fileURLToPath(new URL('./fixtures/orphaning-front.mjs', import.meta.url));

/** The environment that preloads `fixture` into every process Portico starts (it acts in fronts only). */
const preloading = (fixture: string, more: Record<string, string> = {}) => ({ ...process.env, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import ${fixture}`, ...more });

// Review of issue 21: the control wrote a front's log line as `{ ...fields, front }`, and pino
// writes a key twice, the last one read: a front's fields made its line a fatal one of 1999 from
// pid 1, and of another front.
describe('fronts: a log line whose fields restate the line\'s own', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('is refused, and every line keeps the control\'s level, time, pid and the front it is of', async () => {
    const started = Date.now();
    const { logs } = await startPortico({ fronts: 2, apps: [app('shop')] }, undefined, { baseEnvironment: preloading(spoofingFront) });
    const refusals = () => logs.filter((l) => l['event'] === 'front.message_refused');
    const written = () => logs.filter((l) => l['event'] === 'proxy.request_refused');
    await until(() => refusals().length === 2 || written().length > 0);
    assert.deepEqual(written(), [], 'the spoofed line was not written');
    assert.deepEqual(refusals().map((l) => [l['type'], l['problem']]), [1, 2].map(() => ['log', 'fields has "level", not a field of proxy.request_refused that a front sends (docs/events.md)']));
    assert.deepEqual(new Set(refusals().map((l) => l['front'])), new Set([1, 2]));
    for (const line of logs) {
      assert.ok(line['level'] !== 60 && line['pid'] === process.pid && Date.parse(String(line['time'])) >= started && line['front'] !== 99, JSON.stringify(line));
    }
  });
});

// Review of issue 21: the control read a front's channel for as long as anything held its other
// end, and took what came as the word of that front's number: a process the front left behind
// holding fd 3 spoke for its successor, whose /status showed the orphan's 999 connections and
// whose /metrics its million requests (and its pong or routes.applied would have answered the
// successor's ping or reload).
describe('fronts: the channel of a front that exited', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('is closed at its exit: what a process it left behind writes there is read as no front\'s', async () => {
    const marker = join(await mkdtemp(join(tmpdir(), 'portico-orphan-')), 'marker');
    const { portico, logs } = await startPortico({ fronts: 2, apps: [app('shop', { start: 'eager' })] }, undefined, { baseEnvironment: preloading(orphaningFront, { ORPHAN_FRONT_MARKER: marker }) });
    await writeFile(`${marker}.go`, '');
    await until(() => logs.some((l) => l['event'] === 'front.exited'));
    const exited = logs.find((l) => l['event'] === 'front.exited')!;
    const front = exited['front'] as number;
    const shown = () => portico.status().fronts!.find((f) => f.front === front)!;
    /** What the status showed of the front's number while another process than the one that exited had it. */
    const successors: { pid: number | undefined; connections: number }[] = [];
    // The orphan writes every 100 ms until a write fails (for 30 s at most).
    await until(() => {
      const { pid, connections } = shown();
      if (pid !== undefined && pid !== exited['frontPid']) successors.push({ pid, connections });
      return existsSync(`${marker}.orphan-end`);
    });
    assert.equal(await readFile(`${marker}.orphan-end`, 'utf8'), 'write failed', 'the control closed the channel at the front\'s exit');
    await until(() => shown().state === 'serving' && shown().restarts === 1);
    successors.push({ pid: shown().pid, connections: shown().connections });
    assert.deepEqual(successors.filter((s) => s.connections === 999), [], `front ${front}'s successor shown with the orphan's connections`);
    const line = portico.metrics.render(portico.status()).split('\n').find((l) => l.startsWith(`portico_front_requests_total{front="${front}",app="shop"}`));
    assert.ok(line === undefined || line.endsWith(' 0'), `the successor's requests: ${line}`);
  });
});
