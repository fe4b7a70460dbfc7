import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createOutputCapture, type OutputCaptureEvent } from '../src/index.ts';

function written(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

// Someone who may write in a log folder plants a symbolic link where Portico (often root) will
// open, rotate to or compress into a log file. Before, Portico followed it and appended to, or
// truncated, the link's target.
describe('log files behind a symbolic link', () => {
  let dir: string;
  let target: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-symlinked-log-'));
    target = join(dir, 'precious');
    await writeFile(target, 'precious\n');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses Portico's own log file when it is a link, naming it and saying what to fix", async () => {
    const destination = join(dir, 'portico.log');
    await symlink(target, destination);
    assert.throws(() => createLogger({ destination }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'PORTICO_ERR_LOG_SINK_DESTINATION_UNWRITABLE');
      assert.match(error.message, new RegExp(`"${destination}" is a symbolic link, and Portico opens no log file through one .*; remove the link`));
      return true;
    });
    assert.equal(await readFile(target, 'utf8'), 'precious\n');
  });

  it("drops and counts a capture's output, and says why, when its file is a link", async () => {
    const startedAt = new Date('2026-12-07T17:00:00Z');
    const file = join(dir, 'shop_20261207170000_42.log');
    await symlink(target, file);
    const events: OutputCaptureEvent[] = [];
    const capture = createOutputCapture({ enabled: true, file: join(dir, 'shop'), pid: 42, startedAt, onEvent: (e) => events.push(e) });
    await written(capture.stdout, 'secret output\n');
    await capture.close();
    assert.equal(await readFile(target, 'utf8'), 'precious\n');
    const [failed, lost] = events;
    assert.ok(failed?.event === 'output.capture_failed');
    assert.equal(failed.code, 'ELOOP');
    assert.match(failed.message, new RegExp(`^"${file}" is a symbolic link, and Portico opens no log file through one`));
    assert.deepEqual(lost, { event: 'output.capture_lost', file, droppedBytes: 'secret output\n'.length });
    assert.equal(capture.tail(), 'secret output\n', 'the tail still has it');
  });

  it('refuses a link planted where a rotation goes next', async () => {
    const startedAt = new Date('2026-12-07T17:00:00Z');
    await symlink(target, join(dir, 'shop_20261207170000_42.1.log'));
    const events: OutputCaptureEvent[] = [];
    const capture = createOutputCapture({ enabled: true, file: join(dir, 'shop'), pid: 42, startedAt, maxFileBytes: 10, onEvent: (e) => events.push(e) });
    await written(capture.stdout, 'first 10\n');
    await written(capture.stdout, 'rotated\n');
    await capture.close();
    assert.equal(await readFile(target, 'utf8'), 'precious\n');
    assert.deepEqual(
      events.map((e) => [e.event, 'code' in e ? e.code : '']),
      [['output.capture_failed', 'ELOOP'], ['output.capture_lost', '']],
    );
    assert.equal(await readFile(join(dir, 'shop_20261207170000_42.log'), 'utf8'), 'first 10\n');
  });

  it('refuses to compress into a link planted as the .gz, and removes the link', async () => {
    const startedAt = new Date('2026-12-07T17:00:00Z');
    const file = join(dir, 'shop_20261207170000_41.log');
    await writeFile(file, 'an ended process\n');
    await symlink(target, `${file}.gz`);
    const events: OutputCaptureEvent[] = [];
    const capture = createOutputCapture({ enabled: true, file: join(dir, 'shop'), pid: 42, startedAt, retention: { compress: true }, onEvent: (e) => events.push(e) });
    await written(capture.stdout, 'running\n');
    await capture.close();
    assert.equal(await readFile(target, 'utf8'), 'precious\n');
    const failed = events.find((e) => e.event === 'output.prune_failed');
    assert.ok(failed?.event === 'output.prune_failed');
    assert.equal(failed.code, 'ELOOP');
    assert.match(failed.message, /is a symbolic link, and Portico opens no log file through one/);
    // The original stays, and the next sweep (this capture's end) compresses it.
    assert.deepEqual((await readdir(dir)).sort(), ['precious', 'shop_20261207170000_41.log.gz', 'shop_20261207170000_42.log.gz']);
  });
});
