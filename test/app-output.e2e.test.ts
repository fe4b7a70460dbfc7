import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from './helpers/portico.ts';
import { chattyBackend, startPorticoCli, stopAllPorticoClis } from './helpers/porticoCli.ts';

// Issue 19, "Logs of the apps": what a backend writes, as `portico start` captures it into files.

const chatty = (extra: Record<string, unknown> = {}) => ({
  name: 'shop',
  processPath: process.execPath,
  arguments: [chattyBackend],
  start: 'eager',
  stdoutLogEnabled: true,
  shutdownTimeLimit: 5,
  ...extra,
});

async function captureFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'logs'))).filter((name) => name.startsWith('shop_')).sort();
}

describe('app output captured by portico start', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticoClis);

  it('prefixes every line in the capture file with its ISO 8601 UTC arrival time when stdoutLog.timestamps is on', async () => {
    const cli = await startPorticoCli({ apps: [chatty({ stdoutLog: { timestamps: true } })] });
    const before = Date.now();
    await request(cli.port, '/say?text=hello%20world');
    await request(cli.port, '/say?text=oops&stream=stderr');
    const after = Date.now();
    assert.equal(await cli.stop(), 0);
    const [file, ...more] = await captureFiles(cli.dir);
    assert.ok(file !== undefined && more.length === 0, `one capture file, got ${[file, ...more].join(', ')}`);
    const lines = (await readFile(join(cli.dir, 'logs', file), 'utf8')).split('\n');
    assert.equal(lines.pop(), '', 'the file ends with a newline');
    assert.equal(lines.length, 3, lines.join('\n'));
    const stamped = lines.map((line) => /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$/.exec(line));
    assert.ok(stamped.every((m) => m !== null), lines.join('\n'));
    assert.deepEqual(stamped.map((m) => m![2]), [stamped[0]![2], 'hello world', 'oops']);
    assert.match(stamped[0]![2]!, /^started \d+$/);
    for (const m of stamped.slice(1)) {
      const time = Date.parse(m![1]!);
      assert.ok(time >= before - 1 && time <= after + 1, `${m![1]} is not between the requests (${new Date(before).toISOString()}…${new Date(after).toISOString()})`);
    }
  });

  it('keeps the capture byte for byte, without timestamps, by default', async () => {
    const cli = await startPorticoCli({ apps: [chatty()] });
    const { pid } = JSON.parse((await request(cli.port, '/say?text=hello')).body) as { pid: number };
    assert.equal(await cli.stop(), 0);
    const [file] = await captureFiles(cli.dir);
    assert.equal(await readFile(join(cli.dir, 'logs', file!), 'utf8'), `started ${pid}\nhello\n`);
  });
});
