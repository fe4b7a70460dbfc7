import { once } from 'node:events';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closed, spawnFixture } from './fixtures/runFixture.ts';

// The logger in a real process that is killed, exits at once, or loses its stdout's reader.
describe('createLogger in a process that ends', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-logger-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has every buffered line on disk after flushLoggerSync, even if SIGKILL follows', async () => {
    const file = join(dir, 'fatal.log');
    const child = spawnFixture('logThenDie.ts', { how: 'flush-then-kill', file, lines: 5000 });
    const { signal } = await closed(child);
    assert.equal(signal, 'SIGKILL');
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 5000);
    assert.equal((JSON.parse(lines.at(-1) ?? '') as { msg: string }).msg, 'line 4999');
  });

  it('lets the process exit when the reader of its stdout has gone', async function () {
    this.timeout(20_000);
    // A pipe whose reader has gone (a dead parent, `portico start | head`, a restarted journal)
    // refuses every write; the flush at exit must give up on it, not retry forever.
    const child = spawnFixture('exitWithReaderGone.ts', {}, { ipc: true });
    const [message] = (await once(child, 'message')) as [string];
    assert.equal(message, 'ready');
    child.stdout!.destroy();
    child.send('go');
    const stuck = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const { code, signal } = await closed(child);
    clearTimeout(stuck);
    assert.equal(signal, null, 'still running 10 s after it was told to exit');
    assert.equal(code, 0);
  });

  it('loses no pretty line when the process calls process.exit right after logging', async () => {
    const child = spawnFixture('logThenDie.ts', { how: 'pretty-then-exit', lines: 3000 });
    let text = '';
    // Decoded as a stream: a chunk that ends inside the em dash (3 bytes in UTF-8), decoded alone,
    // spoilt its line (CI, Node 24: 2999 of 3000).
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    const { code } = await closed(child);
    assert.equal(code, 3);
    const messages = text.split('\n').filter((l) => / worker\.ready workerPid=\d+ — line \d+$/.test(l));
    assert.equal(messages.length, 3000);
    assert.match(messages.at(-1) ?? '', /line 2999$/);
  });
});
