import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { pino } from 'pino';
import { InvalidLogSinkOptionError, LogDestinationUnwritableError, createLogger, logEvent, logWriteFailures, type LoggerOptions } from '../src/index.ts';

function memory(isTTY = false): Writable & { text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return Object.assign(stream, { isTTY, text: () => text });
}

describe('createLogger', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-logger-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one JSON object per line with level, ISO time, pid, hostname and msg', () => {
    const out = memory();
    createLogger({ destination: out }).info({ app: 'shop' }, 'hello');
    const line = JSON.parse(out.text()) as Record<string, unknown>;
    assert.equal(out.text().endsWith('}\n'), true);
    assert.equal(line['level'], 30);
    assert.match(String(line['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(line['pid'], process.pid);
    assert.equal(typeof line['hostname'], 'string');
    assert.equal(line['app'], 'shop');
    assert.equal(line['msg'], 'hello');
  });

  it('drops lines below its level', () => {
    const out = memory();
    const logger = createLogger({ destination: out, level: 'warn' });
    logger.info('quiet');
    logger.warn('loud');
    assert.deepEqual(out.text().trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg), ['loud']);
  });

  it('puts the base bindings on every line in place of pid and hostname', () => {
    const out = memory();
    createLogger({ destination: out, base: { service: 'portico' } }).info('x');
    createLogger({ destination: out, base: null }).info('y');
    const [first, second] = out.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(first?.['service'], 'portico');
    assert.equal('pid' in (first ?? {}), false);
    assert.deepEqual(Object.keys(second ?? {}), ['level', 'time', 'msg']);
  });

  it('writes one line per event when pretty is true: time, level, event, fields, and a message other than the meaning', () => {
    const out = memory();
    const logger = createLogger({ destination: out, pretty: true });
    logEvent(logger.child({ app: 'shop' }), 'worker.ready', { workerPid: 7, endpoint: { kind: 'tcp', host: '127.0.0.1', port: 40123 }, startupMs: 812.529296875 });
    logEvent(logger, 'config.reloaded', { changed: ['shop', 'blog'], settings: [] }, 'reloaded by SIGHUP');
    const lines = out.text().split('\n');
    assert.equal(lines.length, 3, out.text());
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} INFO  worker\.ready app=shop workerPid=7 endpoint=127\.0\.0\.1:40123 startupMs=812\.5$/);
    assert.match(lines[1]!, /^\d\d:\d\d:\d\d\.\d{3} INFO  config\.reloaded changed=shop,blog settings= — reloaded by SIGHUP$/);
  });

  it('summarises a worker exit and an error on the line, and follows an error line with its stack', () => {
    const out = memory();
    const logger = createLogger({ destination: out, pretty: true });
    const exit = { kind: 'crashed', pid: 4242, code: 1, signal: null, uptimeMs: 5312, stderrTail: 'starting\nError: cannot open database\n', killed: false };
    logEvent(logger, 'worker.exited', { app: 'shop', exit, expected: false });
    logEvent(logger, 'proxy.internal_error', { code: 'X', err: new TypeError('boom') });
    logEvent(logger, 'supervisor.child_exited', { supervisor: 'shop', exit: { kind: 'shutdown' }, expected: true });
    const [crash, bug, firstFrame] = out.text().split('\n');
    assert.match(out.text(), / INFO  supervisor\.child_exited supervisor=shop exit=shutdown expected=true\n/);
    assert.match(crash!, / WARN  worker\.exited app=shop exit="crashed, code 1: Error: cannot open database" expected=false$/);
    assert.match(bug!, / ERROR proxy\.internal_error code=X err="TypeError: boom"$/);
    assert.match(firstFrame!, /^ {4}at /);
  });

  it('cuts a long value so that a line stays short, and shows a plain line by its message', () => {
    const out = memory();
    const logger = createLogger({ destination: out, pretty: true });
    logger.info({ detail: 'x'.repeat(500) }, 'not an event');
    const [line] = out.text().split('\n');
    assert.match(line!, /^\d\d:\d\d:\d\d\.\d{3} INFO  not an event detail="x+…"$/, 'the cut is inside the quotes, which still close');
    assert.ok(line!.length < 130, line);
  });

  it('shows the control characters of a value or a message as escapes on a terminal, never as they are', () => {
    // A backend's stderr (a worker's exit) and values from outside reach the terminal line:
    // ESC, BEL, DEL and the C1 controls (U+009B is CSI to some terminals) must not drive it.
    const out = memory();
    const logger = createLogger({ destination: out, pretty: true });
    const exit = { kind: 'crashed', pid: 4242, code: 1, signal: null, stderrTail: 'Error: \u009b2J\x7f', killed: false };
    logEvent(logger, 'worker.exited', { app: 'shop', exit, expected: false });
    logger.info({ title: '\x1b]0;owned\x07', csi: '\u009b31m' }, 'not an event \x1b[2K');
    const [crash, plain] = out.text().split('\n');
    assert.doesNotMatch(out.text(), /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, JSON.stringify(out.text()));
    assert.match(crash!, / exit="crashed, code 1: Error: \\u009b2J\\u007f" /);
    assert.match(plain!, / INFO  not an event \\u001b\[2K title="\\u001b]0;owned\\u0007" csi="\\u009b31m"$/);
  });

  it("shows the control characters of an error's stack as escapes on a terminal", () => {
    // A stack starts with the message, and a message that quotes something from outside over
    // several lines put its later lines, controls and all, under the error's line.
    const out = memory();
    const logger = createLogger({ destination: out, pretty: true });
    const error = new Error('bad value:\n\x1b]0;owned\x07\u009b2J');
    logEvent(logger, 'proxy.internal_error', { code: 'PORTICO_ERR_TEST', err: error });
    assert.doesNotMatch(out.text(), /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, JSON.stringify(out.text()));
    assert.match(out.text(), /\n {4}\\u001b]0;owned\\u0007\\u009b2J\n {4}at /);
  });

  it('writes pretty lines to a TTY unless pretty is false', () => {
    const tty = memory(true);
    createLogger({ destination: tty }).info('to a terminal');
    assert.match(tty.text(), /INFO.*to a terminal/);
    const forced = memory(true);
    createLogger({ destination: forced, pretty: false }).info('json anyway');
    assert.equal((JSON.parse(forced.text()) as { msg: string }).msg, 'json anyway');
  });

  it('appends to a file path, creating its folders, and writes each line before returning', async () => {
    const file = join(dir, 'a', 'b', 'portico.log');
    createLogger({ destination: file }).info('first');
    createLogger({ destination: file }).info('second');
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ['first', 'second']);
  });

  it('throws a coded error naming the destination when the file cannot be opened', async () => {
    await writeFile(join(dir, 'plain-file'), '');
    assert.throws(
      () => createLogger({ destination: join(dir, 'plain-file', 'portico.log') }),
      (error: unknown) => error instanceof LogDestinationUnwritableError && /option "destination"/.test(error.message),
    );
  });

  it('rejects each malformed option with an error that names it', () => {
    const cases: [string, unknown][] = [
      ['level', { level: 'loud' }],
      ['destination', { destination: 42 }],
      ['destination', { destination: '' }],
      ['pretty', { pretty: 'yes' }],
      ['base', { base: ['pid'] }],
    ];
    for (const [option, options] of cases) {
      assert.throws(
        () => createLogger(options as LoggerOptions),
        (error: unknown) =>
          error instanceof InvalidLogSinkOptionError &&
          error.code === 'PORTICO_ERR_LOG_SINK_INVALID_OPTION' &&
          error.message.startsWith(`option "${option}"`),
        option,
      );
    }
  });

  (existsSync('/dev/full') ? it : it.skip)('never throws on a full disk: counts the failed writes and bounds what it keeps', () => {
    // /dev/full refuses every write with ENOSPC, as a file on a full disk does.
    const logger = createLogger({ destination: '/dev/full', base: null });
    const line = 'x'.repeat(1000);
    // 6 MB of lines: more than the 4 MiB of unwritten lines kept.
    for (let i = 0; i < 6000; i++) logger.info(line);
    const { failedWrites, droppedLines } = logWriteFailures(logger.child({ app: 'shop' }));
    assert.ok((failedWrites['ENOSPC'] ?? 0) > 0, JSON.stringify(failedWrites));
    assert.ok(droppedLines > 1000, `dropped ${droppedLines}`);
    // Closed, or this process would say at its exit that it could not write the lines kept.
    (logger as unknown as Record<symbol, { destroy(): void }>)[pino.symbols.streamSym]?.destroy();
  });

  it('counts nothing for a Writable destination, which reports its own errors', () => {
    const logger = createLogger({ destination: memory() });
    logger.info('x');
    assert.deepEqual(logWriteFailures(logger), { failedWrites: {}, droppedLines: 0 });
  });
});
