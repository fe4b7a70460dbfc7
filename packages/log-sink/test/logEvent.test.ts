import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { PorticoEvents, UnknownLogEventError, createLogger, logEvent, type PorticoEventName } from '../src/index.ts';

function collectingLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  const logger = createLogger({ destination, level: 'trace', pretty: false });
  return { logger, lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logEvent', () => {
  it('writes event, eventId and the fields at the level the catalogue gives', () => {
    const { logger, lines } = collectingLogger();
    logEvent(logger, 'worker.exited', { app: 'shop', workerPid: 4242, exitCode: 1, signal: null });
    assert.deepEqual(
      lines().map(({ level, event, eventId, app, workerPid, exitCode, signal }) => ({ level, event, eventId, app, workerPid, exitCode, signal })),
      [{ level: 40, event: 'worker.exited', eventId: 1005, app: 'shop', workerPid: 4242, exitCode: 1, signal: null }],
    );
  });

  it('logs each catalogued event at its own level', () => {
    const { logger, lines } = collectingLogger();
    const numbers = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10 };
    for (const name of Object.keys(PorticoEvents) as PorticoEventName[]) logEvent(logger, name);
    assert.deepEqual(
      lines().map((l) => [l['event'], l['level']]),
      Object.values(PorticoEvents).map((e) => [e.name, numbers[e.level]]),
    );
  });

  it('logs an event at its expectedLevel when the line is expected, as a stop Portico asked for', () => {
    const { logger, lines } = collectingLogger();
    logEvent(logger, 'worker.exited', { app: 'shop', exit: { kind: 'stopped' }, expected: true });
    logEvent(logger, 'worker.exited', { app: 'shop', exit: { kind: 'crashed' }, expected: false });
    logEvent(logger, 'supervisor.child_exited', { supervisor: 'shop', childId: 'shop#1', expected: true });
    assert.deepEqual(lines().map((l) => l['level']), [30, 40, 30]);
  });

  it('keeps the catalogue event and eventId over fields of the same name', () => {
    const { logger, lines } = collectingLogger();
    logEvent(logger, 'output.rotated', { event: 'forged', eventId: 1, file: 'b.log' });
    const [line] = lines();
    assert.equal(line?.['event'], 'output.rotated');
    assert.equal(line?.['eventId'], 1201);
    const keys = Object.keys(line ?? {});
    assert.deepEqual(keys.slice(keys.indexOf('event'), keys.indexOf('event') + 3), ['event', 'eventId', 'file']);
  });

  it('uses the meaning as message unless one is given', () => {
    const { logger, lines } = collectingLogger();
    logEvent(logger, 'worker.ready', {});
    logEvent(logger, 'worker.ready', {}, 'shop is up');
    assert.deepEqual(lines().map((l) => l['msg']), [PorticoEvents['worker.ready'].meaning, 'shop is up']);
  });

  it('accepts the catalogue entry as well as its name, on child loggers too', () => {
    const { logger, lines } = collectingLogger();
    logEvent(logger.child({ app: 'shop' }), PorticoEvents['supervisor.gave_up'], { intensity: 3, period: 5 });
    const [line] = lines();
    assert.equal(line?.['app'], 'shop');
    assert.equal(line?.['eventId'], 1105);
  });

  it('logs an Error in an error field with its message and stack', () => {
    const { logger, lines } = collectingLogger();
    logEvent(logger, 'supervisor.child_start_failed', { childId: 'web', error: new Error('boom') });
    const error = lines()[0]?.['error'] as { type: string; message: string; stack: string } | undefined;
    assert.equal(error?.type, 'Error');
    assert.equal(error?.message, 'boom');
    assert.match(error?.stack ?? '', /logEvent\.test\.ts/);
  });

  it('throws a coded error for a name outside the catalogue', () => {
    const { logger } = collectingLogger();
    assert.throws(
      () => logEvent(logger, 'worker.vanished' as PorticoEventName),
      (error: unknown) => error instanceof UnknownLogEventError && error.code === 'PORTICO_ERR_LOG_SINK_UNKNOWN_EVENT',
    );
  });
});
