import { once } from 'node:events';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closed, spawnFixture } from './fixtures/runFixture.ts';

/**
 * Runs logToSlowReader.ts (3000 lines, 600 kB: under the 4 MiB kept) with its stdout never read,
 * so that the pipe stays full; `exit` says when it exits. Killed if it has not exited in 15 s.
 */
async function exitWithStdoutUnread(exit: 'once-failed' | 'at-once'): Promise<{ exited: { code: number | null; signal: NodeJS.Signals | null }; stderr: string }> {
  const child = spawnFixture('logToSlowReader.ts', { lines: 3000, exit });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stuck = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const exited = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  clearTimeout(stuck);
  child.stdout?.destroy();
  return { exited, stderr };
}

/** `child`'s exit and stderr once it has closed; killed if it is still running 15 s on (a process.exit that hangs). */
async function closedWithin15s(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stuck = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const { code, signal } = await closed(child);
  clearTimeout(stuck);
  return { code, signal, stderr };
}

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

  // CI, Node 24: all 3000 pretty lines arrived, line 0 last. The first line's write went to
  // libuv's thread pool; the flush at exit wrote the lines behind it, and node's exit then let the
  // pool finish the first one. Here the pool's only thread is held, so that write is surely still
  // in flight at exit.
  for (const pretty of [false, true]) {
    for (const to of ['a file', 'a pipe'] as const) {
      it(`writes every ${pretty ? 'pretty' : 'JSON'} line once and in order to ${to} at process.exit while the thread pool is busy`, async function () {
        this.timeout(20_000);
        const fifo = join(dir, 'fifo');
        execFileSync('mkfifo', [fifo]);
        const file = to === 'a file' ? join(dir, 'portico.log') : undefined;
        const lines = 2000;
        const child = spawnFixture('exitWithPoolBusy.ts', { fifo, file, pretty, lines }, { env: { UV_THREADPOOL_SIZE: '1' } });
        const ended = closed(child);
        let stdout = '';
        child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        let stderr = '';
        await new Promise<void>((resolve) => {
          child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
            stderr += chunk;
            if (stderr.includes('exiting\n')) resolve();
          });
          void ended.then(() => resolve());
        });
        // Frees the pool's thread, so that node's exit can end.
        await (await open(fifo, 'w')).close();
        const { code } = await ended;
        assert.equal(code, 3, stderr);
        const text = file === undefined ? stdout : await readFile(file, 'utf8');
        const numbers = text
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => Number((pretty ? / — line (\d+)$/.exec(line)?.[1] : (JSON.parse(line) as { msg: string }).msg.slice(5)) ?? NaN));
        const astray = numbers.findIndex((n, i) => n !== i);
        assert.ok(
          astray === -1 && numbers.length === lines,
          `${numbers.length} lines of ${lines}; at position ${astray}: ${numbers.slice(astray, astray + 3).join(', ')}…, the last: ${numbers.slice(-3).join(', ')}`,
        );
      });
    }
  }

  // A full disk at exit: the lines still kept cannot be written, and the process must exit anyway,
  // with its own exit code, and say on stderr what its log lost.
  for (const exit of ['at-once', 'after-failure'] as const) {
    (existsSync('/dev/full') ? it : it.skip)(`exits and says on stderr which lines it lost when its log's disk is full (exit ${exit})`, async function () {
      this.timeout(20_000);
      const { code, signal, stderr } = await closedWithin15s(spawnFixture('exitOnFullDisk.ts', { file: '/dev/full', lines: 500, exit }));
      assert.equal(signal, null, 'still running 15 s after it called process.exit');
      assert.equal(code, 5, stderr);
      assert.match(stderr, /^portico: exits with 500 lines of its log not written to "\/dev\/full": ENOSPC \(/m);
      assert.doesNotMatch(stderr, /^\s+at /m, 'a stack trace on stderr');
    });
  }

  // A real file system that fills up: the last write that fits is cut short (a partial write),
  // then every write fails with ENOSPC. A 16 kB tmpfs in a mount namespace of its own, where
  // `unshare -rm` may make one (user namespaces); skipped where it may not.
  it('exits on a full file system with every line either in its file, in order, or counted as lost on stderr', async function () {
    this.timeout(20_000);
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    const mount = 'mount -t tmpfs -o size=16k portico-full "$0"';
    try {
      execFileSync('unshare', ['-rm', 'sh', '-c', mount, mnt], { stdio: 'ignore' });
    } catch {
      this.skip();
    }
    const copy = join(dir, 'portico.log');
    // The file lives only in the child's mount namespace: copied out once node has exited.
    const script = `${mount} || exit 99; shift; "$@"; code=$?; cp "$0/portico.log" "${copy}"; exit $code`;
    const lines = 500;
    const { code, signal, stderr } = await closedWithin15s(
      spawnFixture('exitOnFullDisk.ts', { file: join(mnt, 'portico.log'), lines, exit: 'at-once' }, { within: ['unshare', '-rm', 'sh', '-c', script, mnt, 'sh'] }),
    );
    assert.equal(signal, null, 'still running 15 s after it called process.exit');
    assert.equal(code, 5, stderr);
    const text = await readFile(copy, 'utf8');
    const whole = text.split('\n').slice(0, -1);
    assert.deepEqual(
      whole.map((line) => (JSON.parse(line) as { msg: string }).msg),
      whole.map((_, i) => `line ${i}`),
    );
    const lost = /^portico: exits with (\d+) lines of its log not written to ".*": ENOSPC \(/m.exec(stderr);
    assert.ok(lost, stderr);
    // The cut line, if any, counts as lost: its newline was not written.
    assert.equal(whole.length + Number(lost[1]), lines, `${whole.length} in the file, ${lost[1]} said lost, the file ends with ${JSON.stringify(text.slice(-40))}`);
    assert.doesNotMatch(stderr, /^\s+at /m, 'a stack trace on stderr');
  });

  // A pipe whose reader is behind refuses writes with EAGAIN until it reads: the lines wait, and
  // reach it once each and in order when it reads, with no failure counted or said.
  const when = { 'when-told': 'while running', 'at-once': 'at process.exit', 'flush-then-kill': 'in flushLoggerSync' } as const;
  for (const exit of ['when-told', 'at-once', 'flush-then-kill'] as const) {
    it(`writes every line once and in order to a pipe whose reader is behind (${when[exit]})`, async function () {
      this.timeout(20_000);
      const lines = 3000;
      const child = spawnFixture('logToSlowReader.ts', { lines, exit }, { ipc: exit === 'when-told' });
      const ended = closed(child);
      let stderr = '';
      const said = (word: string): Promise<void> =>
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (stderr.includes(`${word}\n`)) resolve();
          };
          child.stderr?.on('data', check);
          void ended.then(() => resolve());
        });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      // Not read until then: about 600 kB of lines, more than a pipe holds.
      await said({ 'when-told': 'logged', 'at-once': 'exiting', 'flush-then-kill': 'flushing' }[exit]);
      let stdout = '';
      const all = new Promise<void>((resolve) => {
        child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          if (stdout.includes(`"msg":"line ${lines - 1}"`)) resolve();
        });
        void ended.then(() => resolve());
      });
      await all;
      if (exit === 'when-told') child.send('go');
      const { code, signal } = await ended;
      if (exit === 'flush-then-kill') assert.equal(signal, 'SIGKILL', stderr);
      else assert.equal(code, 0, stderr);
      const numbers = stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => Number((JSON.parse(line) as { msg: string }).msg.slice(5)));
      const astray = numbers.findIndex((n, i) => n !== i);
      assert.ok(astray === -1 && numbers.length === lines, `${numbers.length} lines of ${lines}; at position ${astray}: ${numbers.slice(astray, astray + 3).join(', ')}…`);
      assert.doesNotMatch(stderr, /portico:/);
      if (exit === 'when-told') assert.match(stderr, /^\{"failedWrites":\{\},"droppedLines":0\}$/m);
    });
  }

  it('counts a pipe that stays full as a failed write, once its reader has taken nothing for a while, and keeps the lines', async function () {
    this.timeout(20_000);
    // Not read at all: the pipe stays full, so the lines wait (3000 lines, 600 kB: under the
    // 4 MiB kept) and, 2 s of retries later, EAGAIN is counted and said once.
    const { exited, stderr } = await exitWithStdoutUnread('once-failed');
    assert.deepEqual(exited, { code: 0, signal: null }, `no failed write counted in 15 s: ${stderr}`);
    const counts = /^\{"failedWrites":\{"EAGAIN":(\d+)\},"droppedLines":0\}$/m.exec(stderr);
    assert.ok(counts && Number(counts[1]) >= 1, stderr);
    assert.equal(stderr.split('\n').filter((line) => line.startsWith('portico: cannot write its log to stdout: EAGAIN')).length, 1, stderr);
  });

  // A line an exit listener logs after the logger's own flush at exit has run: while the pipe
  // was full it was kept for a retry that never came (the process was exiting), and lost without
  // a word. Every line is now either read from the pipe or counted on stderr, those of the exit
  // flush (`lines`) and the later ones (`late`) alike.
  for (const [lines, late] of [[10, 3000], [3000, 10]] as const) {
    it(`says on stderr which lines it lost when an exit listener logs after the flush at exit, the pipe full (${lines} lines, then ${late} late)`, async function () {
      this.timeout(20_000);
      const child = spawnFixture('logToSlowReader.ts', { lines, late, exit: 'at-once' });
      // Not read until the child has exited (the pipe holds what was written, the rest is lost),
      // but listened to: node discards an unused stdout of a child that exits.
      const keep = (): void => {};
      child.stdout?.on('readable', keep);
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const stuck = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const exited = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      clearTimeout(stuck);
      assert.deepEqual(exited, { code: 0, signal: null }, stderr);
      let stdout = '';
      child.stdout?.off('readable', keep);
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stdout?.resume();
      await closed(child);
      const read = stdout.split('\n').slice(0, -1).length;
      const said = [...stderr.matchAll(/^portico: exits with (\d+) (?:more lines?|lines) of its log not written to stdout: EAGAIN \(/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      assert.equal(read + said, lines + late, `${read} read, ${said} said lost: ${stderr}`);
    });
  }

  it('exits, and says on stderr which lines it lost, when the reader of its stdout has stopped reading', async function () {
    this.timeout(20_000);
    // A reader that is there but never reads (a stopped pager, a hung journal): the pipe stays
    // full, and the flush at exit waits for it only 2 s.
    const { exited, stderr } = await exitWithStdoutUnread('at-once');
    assert.deepEqual(exited, { code: 0, signal: null }, stderr);
    const lost = /^portico: exits with (\d+) lines of its log not written to stdout: EAGAIN \(/m.exec(stderr);
    assert.ok(lost && Number(lost[1]) > 0, stderr);
  });

  // The flush at exit waited for a full pipe's reader for as long as it took a byte every 100 ms:
  // a reader that trickles (a log shipper held back by its network, a pipe throttled with pv -L)
  // held the exit for what was kept over its rate, up to 4 MiB: here about 440 kB at 5 kB/s, a
  // minute and a half, and at a byte every 100 ms, days. The flush now has 10 s in all. The reader
  // reads a FIFO 512 bytes at a time, so the writer sees it take bytes every 100 ms (a Node stream
  // would take 64 kB at once and then nothing while it holds them).
  // Each synchronous flush had 10 s of its own, so flushLoggerSync before the exit (portico
  // start's stop) and the flush at exit held it 20 s (measured: flushLoggerSync returned after
  // 10 s, the exit came 10 s later); five such calls, 60 s, were killed at 40 s. They share the
  // 10 s now, as the process ends.
  for (const [exit, when] of [
    ['at-once', ''],
    ['flushes-then-exit', ', after flushLoggerSync was called before the exit, five times'],
  ] as const) {
    it(`exits within the flush's limit, and says on stderr which lines it lost, when the reader of its stdout trickles${when}`, async function () {
      this.timeout(60_000);
      const lines = 3000;
      const fifo = join(dir, 'stdout');
      execFileSync('mkfifo', [fifo]);
      const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const child = spawnFixture('logToSlowReader.ts', { lines, exit }, { within: ['sh', '-c', 'exec "$@" > "$0"', fifo] });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      let stdout = '';
      const piece = Buffer.alloc(512);
      const readPiece = (): number => {
        try {
          const n = readSync(reader, piece, 0, piece.length, null);
          stdout += piece.toString('latin1', 0, n);
          return n;
        } catch {
          return -1; // EAGAIN: nothing to read now.
        }
      };
      const trickle = setInterval(readPiece, 100);
      const stuck = setTimeout(() => child.kill('SIGKILL'), 40_000);
      const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      clearTimeout(stuck);
      clearInterval(trickle);
      // What the pipe held as the writer went was written: read to its end.
      for (let i = 0; i < 100_000 && readPiece() !== 0; i++);
      closeSync(reader);
      assert.deepEqual(ended, { code: 0, signal: null }, `not exited in 40 s: ${stderr}`);
      const read = stdout.split('\n').slice(0, -1).length;
      const said = [...stderr.matchAll(/^portico: exits with (\d+) lines of its log not written to stdout: EAGAIN \(/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      assert.ok(said > 0, `${stderr} ${read} read in ${stdout.length} bytes`);
      assert.equal(read + said, lines, `${read} read, ${said} said lost: ${stderr}`);
    });
  }
});
