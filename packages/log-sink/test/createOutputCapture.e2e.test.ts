import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { once } from 'node:events';
import {
  InvalidLogSinkOptionError,
  createOutputCapture,
  type OutputCapture,
  type OutputCaptureEvent,
  type OutputCaptureOptions,
} from '../src/index.ts';
import { expectedFlood, type FloodPlan } from './fixtures/floodLines.ts';
import { closed, spawnFixture } from './fixtures/runFixture.ts';

const MiB = 1024 * 1024;

interface FloodRun {
  capture: OutputCapture;
  events: OutputCaptureEvent[];
  code: number | null;
  signal: NodeJS.Signals | null;
  pid: number;
}

/** Runs the flood fixture with its pipes captured, and waits until the capture is closed. */
async function captureFlood(plan: FloodPlan, options: Omit<OutputCaptureOptions, 'pid' | 'onEvent'>): Promise<FloodRun> {
  const child = spawnFixture('flood.ts', plan);
  const events: OutputCaptureEvent[] = [];
  const pid = child.pid ?? 0;
  const capture = createOutputCapture({ ...options, pid, onEvent: (event) => events.push(event) });
  child.stdout?.pipe(capture.stdout);
  child.stderr?.pipe(capture.stderr);
  const { code, signal } = await closed(child);
  await capture.close();
  return { capture, events, code, signal, pid };
}

/**
 * Makes `path` a device like /dev/full (1, 7), where every write fails with ENOSPC as on a full
 * disk; false where mknod is not allowed (not root). A link to /dev/full no longer serves: a
 * capture opens no file through a symbolic link.
 */
function makeFullDevice(path: string): boolean {
  return spawnSync('mknod', [path, 'c', '1', '7']).status === 0;
}

async function contents(files: readonly string[]): Promise<Buffer> {
  return Buffer.concat(await Promise.all(files.map((file) => readFile(file))));
}

/** Splits combined output into the lines of each stream, by the fixture's O/E line prefix. */
function demultiplex(text: string): { stdout: string; stderr: string } {
  const lines = text.split(/(?<=\n)/);
  return {
    stdout: lines.filter((l) => !l.startsWith('E')).join(''),
    stderr: lines.filter((l) => l.startsWith('E')).join(''),
  };
}

describe('createOutputCapture', function () {
  // A safety net: every test waits for its process's end, which a busy machine delays.
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-capture-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('files', () => {
    it('keeps every byte of a 12.5 MiB flood that ends in SIGKILL mid-line, in order', async () => {
      const plan: FloodPlan = { bytes: 12.5 * MiB, streams: 'stdout', partial: 'killed in the middle of this line', end: 'kill' };
      const run = await captureFlood(plan, { enabled: true, file: join(dir, 'stdout'), maxFileBytes: MiB, maxFiles: 20 });
      assert.equal(run.signal, 'SIGKILL');
      assert.equal(run.capture.files.length, 13);
      for (const file of run.capture.files) assert.ok((await stat(file)).size <= MiB, `${file} is over maxFileBytes`);
      const written = await contents(run.capture.files);
      const expected = expectedFlood(plan).stdout;
      assert.equal(written.length, expected.length);
      assert.ok(written.equals(expected), 'the files differ from what the backend wrote');
    });

    it('rotates files before they pass maxFileBytes and never splits a line that fits', async () => {
      const plan: FloodPlan = { bytes: 5 * MiB, streams: 'stdout', end: 'normal' };
      const run = await captureFlood(plan, { enabled: true, file: join(dir, 'stdout'), maxFileBytes: MiB, maxFiles: 20 });
      const files = run.capture.files;
      assert.equal(files.length, 6);
      for (const file of files) {
        const bytes = await readFile(file);
        assert.ok(bytes.length <= MiB, `${file} holds ${bytes.length} bytes`);
        assert.equal(bytes.at(-1), 0x0a, `${file} ends inside a line`);
      }
      const rotations = run.events.filter((e) => e.event === 'output.rotated');
      assert.deepEqual(rotations.map((e) => e.file), files.slice(1));
      assert.ok((await contents(files)).equals(expectedFlood(plan).stdout));
    });

    it('names files <file>_<yyyyMMddHHmmss>_<pid>.log in UTC, then .1.log, .2.log, … and creates folders', async () => {
      const startedAt = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
      const capture = createOutputCapture({ enabled: true, file: join(dir, 'deep', 'er', 'stdout'), pid: 4242, startedAt, maxFileBytes: 10 });
      capture.stdout.write('012345678\nabcd\nefgh\nxyz\n');
      await capture.close();
      assert.deepEqual(capture.files.map((f) => f.slice(dir.length + 1)), [
        'deep/er/stdout_20260102030405_4242.log',
        'deep/er/stdout_20260102030405_4242.1.log',
        'deep/er/stdout_20260102030405_4242.2.log',
      ]);
      assert.deepEqual(await Promise.all(capture.files.map((f) => readFile(f, 'utf8'))), ['012345678\n', 'abcd\nefgh\n', 'xyz\n']);
    });

    it('keeps the newest maxFiles files of the process and deletes the older ones', async () => {
      const plan: FloodPlan = { bytes: 8 * MiB, streams: 'stdout', partial: 'last words', end: 'exit1' };
      const run = await captureFlood(plan, { enabled: true, file: join(dir, 'stdout'), maxFileBytes: MiB, maxFiles: 3 });
      const kept = run.capture.files;
      assert.equal(kept.length, 3);
      assert.deepEqual((await readdir(dir)).sort(), kept.map((f) => basename(f)).sort());
      assert.match(kept.at(-1) ?? '', new RegExp(`_${run.pid}\\.8\\.log$`));
      const written = await contents(kept);
      const expected = expectedFlood(plan).stdout;
      assert.ok(written.length > 2 * MiB);
      assert.ok(written.equals(expected.subarray(expected.length - written.length)), 'the kept files are not the newest output');
      const deleted = run.events.flatMap((e) => (e.event === 'output.rotated' ? e.deleted : []));
      assert.equal(deleted.length, 6);
      for (const file of deleted) assert.equal(existsSync(file), false, `${file} was not deleted`);
    });

    it('writes the partial last line of a backend that calls process.exit(1)', async () => {
      const plan: FloodPlan = { bytes: 256 * 1024, streams: 'stdout', partial: 'Unhandled exception: no newline', end: 'exit1' };
      const run = await captureFlood(plan, { enabled: true, file: join(dir, 'stdout') });
      assert.equal(run.code, 1);
      const written = (await contents(run.capture.files)).toString();
      assert.ok(written.endsWith('\nUnhandled exception: no newline'));
      assert.equal(written, expectedFlood(plan).stdout.toString());
    });

    it('interleaves stdout and stderr at line boundaries, each in its own order', async () => {
      const plan: FloodPlan = { bytes: 16 * MiB, streams: 'both', end: 'normal' };
      const run = await captureFlood(plan, { enabled: true, file: join(dir, 'stdout'), maxFiles: 20 });
      const { stdout, stderr } = demultiplex((await contents(run.capture.files)).toString());
      const expected = expectedFlood(plan);
      assert.ok(stdout === expected.stdout.toString(), 'stdout lines are torn or out of order');
      assert.ok(stderr === expected.stderr.toString(), 'stderr lines are torn or out of order');
    });
  });

  describe('timestamps', () => {
    it('prefixes every line, the partial last one too, with an ISO time and a space', async () => {
      const plan: FloodPlan = { bytes: 2 * MiB, streams: 'both', partial: 'cut off', end: 'kill' };
      const before = Date.now();
      const run = await captureFlood(plan, { enabled: true, file: join(dir, 'stdout'), timestamps: true });
      const lines = (await contents(run.capture.files)).toString().split(/(?<=\n)/);
      // A line's time is when its first byte arrived; a line is written when it is complete, so
      // times rise within each stream but not across the two.
      const previous = { O: before, E: before, c: before };
      const bare: string[] = [];
      for (const line of lines) {
        const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$/s.exec(line);
        assert.ok(match, `line without a timestamp: ${line.slice(0, 40)}`);
        const time = Date.parse(match[1] ?? '');
        const stream = (match[2] ?? '').startsWith('E') ? 'E' : (match[2] ?? '').startsWith('O') ? 'O' : 'c';
        assert.ok(time >= previous[stream] && time <= Date.now(), 'timestamps go backwards or into the future');
        previous[stream] = time;
        bare.push(match[2] ?? '');
      }
      const { stdout, stderr } = demultiplex(bare.join(''));
      const expected = expectedFlood(plan);
      assert.ok(stdout === expected.stdout.toString() && stderr === expected.stderr.toString());
      assert.equal(bare.at(-1), 'cut off');
    });

    it('gives a line split across chunks one timestamp, the arrival of its first byte', async () => {
      let now = Date.UTC(2026, 10, 24, 12, 0, 0, 0);
      const capture = createOutputCapture({ enabled: true, file: join(dir, 'stdout'), pid: 1, timestamps: true, now: () => now });
      capture.stdout.write('first half, ');
      await new Promise((resolve) => setImmediate(resolve));
      now += 1500;
      capture.stdout.write('second half\nnext ');
      await new Promise((resolve) => setImmediate(resolve));
      now += 1500;
      capture.stdout.write('line\n');
      await capture.close();
      assert.equal(
        await readFile(capture.files[0] ?? '', 'utf8'),
        '2026-11-24T12:00:00.000Z first half, second half\n2026-11-24T12:00:01.500Z next line\n',
      );
    });
  });

  describe('tails', () => {
    it('keeps the last tailBytes of the combined output and of stderr alone', async () => {
      const plan: FloodPlan = { bytes: MiB, streams: 'both', end: 'normal' };
      const run = await captureFlood(plan, { enabled: true, file: join(dir, 'stdout'), tailBytes: 4096 });
      const written = (await contents(run.capture.files)).toString();
      assert.equal(run.capture.tail(), written.slice(-4096));
      assert.equal(run.capture.stderrTail(), expectedFlood(plan).stderr.toString().slice(-4096));
    });

    it('keeps only the tails, 64 KiB by default, when writing to files is not enabled', async () => {
      const plan: FloodPlan = { bytes: MiB, streams: 'stdout', partial: 'bye', end: 'normal' };
      const run = await captureFlood(plan, { file: join(dir, 'stdout') });
      assert.deepEqual(run.capture.files, []);
      assert.deepEqual(await readdir(dir), []);
      assert.equal(run.capture.tail(), expectedFlood(plan).stdout.toString().slice(-64 * 1024));
      assert.equal(run.capture.stderrTail(), '');
    });
  });

  describe('failures', () => {
    it('reports an unwritable path once, keeps the tail and lets the backend run to its end', async () => {
      await writeFile(join(dir, 'not-a-folder'), '');
      const plan: FloodPlan = { bytes: 4 * MiB, streams: 'both', end: 'normal' };
      const run = await captureFlood(plan, { enabled: true, file: join(dir, 'not-a-folder', 'stdout'), tailBytes: 1000 });
      assert.equal(run.code, 0);
      assert.deepEqual(run.events.map((e) => e.event), ['output.capture_failed', 'output.capture_lost']);
      const [event, lost] = run.events;
      assert.equal(event?.event, 'output.capture_failed');
      assert.ok(event.code === 'ENOTDIR' || event.code === 'EEXIST', event.code);
      const { stdout, stderr } = expectedFlood(plan);
      assert.deepEqual(lost, { event: 'output.capture_lost', file: event.file, droppedBytes: stdout.length + stderr.length });
      assert.deepEqual(run.capture.files, []);
      assert.equal(run.capture.tail(), demultiplexTail(expectedFlood(plan), run.capture.tail()));
    });

    it('reports a full disk once, counts what it dropped and keeps the tail', async function () {
      const startedAt = new Date();
      const child = spawnFixture('flood.ts', { bytes: 4 * MiB, streams: 'stdout', end: 'normal' } satisfies FloodPlan);
      const pid = child.pid ?? 0;
      // The first file is /dev/full, where every write fails with ENOSPC.
      const stamp = startedAt.toISOString().replace(/[-:T]/g, '').slice(0, 14);
      if (!makeFullDevice(join(dir, `stdout_${stamp}_${pid}.log`))) {
        child.kill();
        this.skip();
      }
      const events: OutputCaptureEvent[] = [];
      const capture = createOutputCapture({ enabled: true, file: join(dir, 'stdout'), pid, startedAt, onEvent: (e) => events.push(e) });
      child.stdout?.pipe(capture.stdout);
      child.stderr?.pipe(capture.stderr);
      const { code } = await closed(child);
      await capture.close();
      assert.equal(code, 0);
      // A flood that lasts past a second is tried again each second; a try that fails is not reported.
      assert.deepEqual(events.map((e) => [e.event, e.event === 'output.capture_failed' ? e.code : '']), [['output.capture_failed', 'ENOSPC'], ['output.capture_lost', '']]);
      assert.equal(events[1]?.event === 'output.capture_lost' && events[1].droppedBytes, expectedFlood({ bytes: 4 * MiB, streams: 'stdout', end: 'normal' }).stdout.length);
      assert.equal(capture.tail(), expectedFlood({ bytes: 4 * MiB, streams: 'stdout', end: 'normal' }).stdout.toString().slice(-64 * 1024));
    });

    it('drops and counts output while the disk is full, tries again a second later, and writes to the same file once space returns', async function () {
      let now = Date.parse('2026-12-06T05:00:00Z');
      const file = join(dir, 'stdout_20261206050000_7.log');
      if (!makeFullDevice(file)) this.skip();
      const events: OutputCaptureEvent[] = [];
      const capture = createOutputCapture({ enabled: true, file: join(dir, 'stdout'), pid: 7, now: () => now, onEvent: (e) => events.push(e) });
      // Each write's callback fires once the file took it or it was dropped.
      const write = (text: string) => new Promise<void>((resolve) => capture.stdout.write(text, () => resolve()));
      await write('first\n');
      assert.deepEqual(events.map((e) => [e.event, 'code' in e ? e.code : '']), [['output.capture_failed', 'ENOSPC']]);
      await write('dropped\n');
      now += 999;
      await write('dropped too\n');
      now += 1;
      await write('tried again\n');
      assert.equal(events.length, 1, 'a try that fails during the outage is not reported again');
      // Space returns: the device becomes a file.
      await unlink(file);
      await writeFile(file, '');
      await write('still dropped\n');
      now += 1000;
      await write('written again\n');
      await capture.close();
      const dropped = ['first\n', 'dropped\n', 'dropped too\n', 'tried again\n', 'still dropped\n'].join('').length;
      assert.deepEqual(events.slice(1), [{ event: 'output.capture_resumed', file, droppedBytes: dropped, lostMs: 2000 }]);
      assert.equal(await readFile(file, 'utf8'), 'written again\n');
      assert.equal(capture.tail(), 'first\ndropped\ndropped too\ntried again\nstill dropped\nwritten again\n', 'the tail keeps everything');
    });

    it('says how much output was lost when the process ends during an outage', async function () {
      const now = Date.parse('2026-12-06T05:00:00Z');
      const file = join(dir, 'stdout_20261206050000_7.log');
      if (!makeFullDevice(file)) this.skip();
      const events: OutputCaptureEvent[] = [];
      const capture = createOutputCapture({ enabled: true, file: join(dir, 'stdout'), pid: 7, now: () => now, onEvent: (e) => events.push(e) });
      capture.stdout.write('one\n');
      capture.stderr.write('two\n');
      await capture.close();
      assert.deepEqual(events.map((e) => e.event), ['output.capture_failed', 'output.capture_lost']);
      assert.deepEqual(events[1], { event: 'output.capture_lost', file, droppedBytes: 8 });
    });

    it('keeps capturing when the onEvent listener throws', async () => {
      await writeFile(join(dir, 'not-a-folder'), '');
      const capture = createOutputCapture({
        enabled: true,
        file: join(dir, 'not-a-folder', 'stdout'),
        pid: 1,
        onEvent: () => {
          throw new Error('listener bug');
        },
      });
      capture.stderr.write('still here\n');
      await capture.close();
      assert.equal(capture.stderrTail(), 'still here\n');
    });
  });

  describe('close', () => {
    it('returns the same promise every time, resolved once every byte is on disk', async () => {
      const capture = createOutputCapture({ enabled: true, file: join(dir, 'stdout'), pid: 1 });
      const line = Buffer.alloc(MiB, 'x');
      line[line.length - 1] = 0x0a;
      for (let i = 0; i < 8; i++) capture.stdout.write(line);
      const first = capture.close();
      assert.equal(capture.close(), first);
      await first;
      assert.equal((await stat(capture.files[0] ?? '')).size, 8 * MiB);
    });

    it('detaches pipes that are still open without blocking the backend', async () => {
      // A backend that writes forever stands in for a grandchild that keeps the pipes open.
      const child = spawn(process.execPath, ['-e', 'let i = 0; setInterval(() => process.stdout.write(`tick ${i++} `.repeat(500) + "\\n"), 1)'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const capture = createOutputCapture({ enabled: true, file: join(dir, 'stdout'), pid: child.pid ?? 0 });
        child.stdout.pipe(capture.stdout);
        child.stderr.pipe(capture.stderr);
        await once(child.stdout, 'data');
        await capture.close();
        const size = (await stat(capture.files[0] ?? '')).size;
        const tailAtClose = capture.tail();
        // The backend keeps running and its output keeps reaching the tail, not the file.
        for (let i = 0; i < 200 && child.exitCode === null; i++) await once(child.stdout, 'data');
        assert.equal(child.exitCode, null);
        assert.equal((await stat(capture.files[0] ?? '')).size, size);
        assert.notEqual(capture.tail(), tailAtClose);
      } finally {
        child.kill('SIGKILL');
        await closed(child);
      }
    });
  });

  describe('options', () => {
    it('rejects each malformed option with an error that names it', () => {
      const cases: [string, OutputCaptureOptions][] = [
        ['enabled', { enabled: 'yes' as unknown as boolean }],
        ['file', { enabled: true, pid: 1 }],
        ['pid', { enabled: true, file: './logs/stdout', pid: -3 }],
        ['startedAt', { startedAt: new Date(Number.NaN) }],
        ['maxFileBytes', { maxFileBytes: 0 }],
        ['maxFiles', { maxFiles: 1.5 }],
        ['tailBytes', { tailBytes: -1 }],
        ['timestamps', { timestamps: 1 as unknown as boolean }],
        ['onEvent', { onEvent: 'log' as unknown as () => void }],
      ];
      for (const [option, options] of cases) {
        assert.throws(
          () => createOutputCapture(options),
          (error: unknown) => error instanceof InvalidLogSinkOptionError && error.message.startsWith(`option "${option}"`),
          option,
        );
      }
    });
  });
});

/** The tail must be a suffix of the combined output: stdout and stderr lines, each in order. */
function demultiplexTail(expected: { stdout: Buffer; stderr: Buffer }, tail: string): string {
  const { stdout, stderr } = demultiplex(tail.slice(tail.indexOf('\n') + 1));
  assert.ok(expected.stdout.toString().endsWith(stdout), 'stdout lines in the tail are not the last ones written');
  assert.ok(expected.stderr.toString().endsWith(stderr), 'stderr lines in the tail are not the last ones written');
  assert.equal(tail.length, 1000);
  return tail;
}
