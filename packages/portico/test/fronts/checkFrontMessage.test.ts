import assert from 'node:assert/strict';
import { PorticoEvents } from '@portico/log-sink';
import { checkFrontMessage, maxKeyLength, maxReportEntries } from '../../src/fronts/checkFrontMessage.ts';
import { frontEvents } from '../../src/fronts/frontEvents.ts';

const counters = (fields: Record<string, unknown> = {}) => ({ requests: [0, 3, 0, 1, 0], buckets: Array(12).fill(1), durationSumMs: 12.5, bytesIn: 0, bytesOut: 2048, upstreamFailures: 0, clientClosed: 0, incomplete: 0, ...fields });
const report = (fields: Record<string, unknown> = {}) => ({
  type: 'metrics',
  id: 4,
  served: { 'shop#1@10': 3 },
  requests: { shop: counters() },
  waiting: { shop: 0 },
  inFlight: { 'shop#1@10': 1 },
  peak: { 'shop#1@10': 2 },
  connections: 5,
  answered: 4,
  dropped: 0,
  sentAt: 1200,
  ...fields,
});

/** The problem found in `value`, asserting that it is refused as `type`. */
function refused(value: unknown, type: string): string {
  const checked = checkFrontMessage(value);
  assert.ok('refused' in checked, `taken: ${JSON.stringify(value)}`);
  assert.equal(checked.refused.type, type);
  return checked.refused.problem;
}

describe('checkFrontMessage', () => {
  it('takes every message a front sends, as its code sends it', () => {
    for (const message of [
      report(),
      report({ id: undefined }),
      { type: 'listening' },
      { type: 'accept.stopped' },
      { type: 'pong', id: 1 },
      { type: 'routes.applied', id: 9 },
      { type: 'failed', message: 'EACCES' },
      { type: 'pool.start', key: 'shop' },
      { type: 'worker.unreachable', key: 'shop', id: 'shop#1', pid: 10 },
      { type: 'worker.idle', key: 'shop', id: 'shop#1', pid: 10 },
      { type: 'log', event: 'proxy.error_page', fields: { app: 'shop', status: 404, requestId: 'r1', reason: 'not found' } },
      ...[...frontEvents].map((event) => ({ type: 'log', event, fields: {} })),
    ]) {
      const checked = checkFrontMessage(message);
      assert.ok('message' in checked, JSON.stringify(checked));
      assert.equal(checked.message, message);
    }
  });

  it('refuses a figure that is NaN, infinite, a string, null, negative or fractional, naming the field', () => {
    assert.match(refused(report({ connections: Number.NaN }), 'metrics'), /^connections is NaN, not a count$/);
    assert.match(refused(report({ connections: Infinity }), 'metrics'), /^connections is Infinity/);
    assert.match(refused(report({ waiting: { shop: 'lots' } }), 'metrics'), /^waiting\["shop"\] is "lots", not a count$/);
    assert.match(refused(report({ inFlight: { 'shop#1@10': -5 } }), 'metrics'), /^inFlight\["shop#1@10"\] is -5/);
    assert.match(refused(report({ peak: { 'shop#1@10': 1.5 } }), 'metrics'), /^peak\["shop#1@10"\] is 1\.5/);
    assert.match(refused(report({ served: { 'shop#1@10': null } }), 'metrics'), /^served\["shop#1@10"\] is null/);
    assert.match(refused(report({ requests: { shop: counters({ durationSumMs: -1 }) } }), 'metrics'), /^requests\["shop"\]\.durationSumMs is -1, not an amount$/);
    assert.match(refused(report({ requests: { shop: counters({ bytesOut: Number.NaN }) } }), 'metrics'), /bytesOut is NaN/);
    assert.match(refused(report({ requests: { shop: counters({ clientClosed: -1 }) } }), 'metrics'), /^requests\["shop"\]\.clientClosed is -1, not a count$/);
    assert.match(refused(report({ requests: { shop: counters({ clientClosed: undefined }) } }), 'metrics'), /^requests\["shop"\]\.clientClosed is missing, not a count$/);
    assert.match(refused(report({ requests: { shop: counters({ incomplete: 0.5 }) } }), 'metrics'), /^requests\["shop"\]\.incomplete is 0\.5, not a count$/);
    assert.match(refused(report({ requests: { shop: counters({ incomplete: undefined }) } }), 'metrics'), /^requests\["shop"\]\.incomplete is missing, not a count$/);
    // Finite, but two of them add up to Infinity in the control's sums (review of issue 21).
    assert.match(refused(report({ requests: { shop: counters({ durationSumMs: 1e308 }) } }), 'metrics'), /^requests\["shop"\]\.durationSumMs is 1e\+308, not an amount$/);
    assert.match(refused(report({ requests: { shop: counters({ bytesIn: Number.MAX_SAFE_INTEGER + 2 }) } }), 'metrics'), /bytesIn is 9007199254740992, not an amount/);
    assert.match(refused(report({ requests: { shop: counters({ requests: [0, 1, Number.NaN, 0, 0] }) } }), 'metrics'), /^requests\["shop"\]\.requests\[2\] is NaN/);
    assert.match(refused(report({ id: 'x' }), 'metrics'), /^id is "x", not an id/);
    assert.match(refused({ type: 'pong', id: 'every' }, 'pong'), /^id is "every"/);
    assert.match(refused({ type: 'routes.applied' }, 'routes.applied'), /^id is missing/);
    assert.match(refused({ type: 'worker.unreachable', key: 'shop', id: 'shop#1', pid: -1 }, 'worker.unreachable'), /^pid is -1/);
  });

  it('refuses a report with a field missing, or of the wrong kind', () => {
    for (const field of ['served', 'requests', 'waiting', 'inFlight', 'peak', 'connections', 'answered', 'dropped']) {
      assert.match(refused(report({ [field]: undefined }), 'metrics'), new RegExp(`^${field} is missing`));
    }
    assert.match(refused(report({ peak: [1, 2] }), 'metrics'), /^peak is an array of 2, not an object$/);
    assert.match(refused(report({ requests: { shop: 7 } }), 'metrics'), /^requests\["shop"\] is 7, not an object$/);
    assert.match(refused({ type: 'log', event: 'proxy.error_page', fields: 'text' }, 'log'), /^fields is "text"/);
    assert.match(refused({ type: 'failed' }, 'failed'), /^message is missing/);
  });

  it('refuses oversized parts: arrays of counts of another length, too many entries, too long a key or name', () => {
    assert.match(refused(report({ requests: { shop: counters({ requests: Array(100_000).fill(1) }) } }), 'metrics'), /\.requests is an array of 100000, not 5 counts$/);
    assert.match(refused(report({ requests: { shop: counters({ buckets: [1] }) } }), 'metrics'), /\.buckets is an array of 1, not 12 counts$/);
    const many = Object.fromEntries(Array.from({ length: maxReportEntries + 1 }, (_, i) => [`shop#${i}@1`, 0]));
    assert.match(refused(report({ inFlight: many }), 'metrics'), /^inFlight has 4097 entries, more than 4096$/);
    assert.match(refused(report({ waiting: { ['x'.repeat(maxKeyLength + 1)]: 0 } }), 'metrics'), /^waiting has a key of 257 characters/);
    assert.match(refused({ type: 'pool.start', key: 'k'.repeat(100_000) }, 'pool.start'), /^key is "k{40}"…, not a name of at most 256 characters$/);
  });

  // Review of issue 21: a front could log any catalogued event, a front.exited or front.flooded
  // line of the control's among them, as if the control had written it.
  it('refuses a log line of an event a front does not log, the front.* lines the control writes among them', () => {
    assert.match(refused({ type: 'log', event: 'front.exited', fields: { front: 2 } }, 'log'), /^event is "front.exited", not one a front logs$/);
    for (const event of Object.keys(PorticoEvents).filter((name) => !frontEvents.has(name as never))) {
      assert.match(refused({ type: 'log', event, fields: {} }, 'log'), /not one a front logs$/, event);
    }
    for (const event of ['x', 'toString', 5, undefined]) assert.match(refused({ type: 'log', event, fields: {} }, 'log'), /^event is .*, not one a front logs$/);
    assert.ok([...frontEvents].every((event) => Object.hasOwn(PorticoEvents, event)), 'every event a front logs is catalogued');
  });

  it('takes a log line of each event a front logs with every field its event lists', () => {
    for (const event of frontEvents) {
      const fields = Object.fromEntries(PorticoEvents[event].fields.filter((field) => field !== 'front').map((field) => [field, 1]));
      assert.ok('message' in checkFrontMessage({ type: 'log', event, fields }), event);
    }
  });

  // Review of issue 21: the control wrote a front's line as `{ ...fields, front }`, and pino
  // writes a key twice, the last one read: a front's `level: 60` made its line a fatal one, and its
  // `time`, `pid` and `hostname` said when and where it was written.
  it('refuses a log line with a field its event does not list, the line\'s own level, time, pid and the control\'s front among them', () => {
    const spoofed = JSON.parse('{"type":"log","event":"proxy.request_refused","fields":{"status":400,"reason":"x","level":60,"time":"1999-01-01T00:00:00.000Z","pid":1,"hostname":"control"},"sentAt":1}') as unknown;
    assert.match(refused(spoofed, 'log'), /^fields has "level", not a field of proxy.request_refused that a front sends \(docs\/events.md\)$/);
    for (const field of ['level', 'time', 'pid', 'hostname', 'msg', 'event', 'eventId', 'front', 'err', '__proto__', 'constructor']) {
      const fields = JSON.parse(`{"status":400,${JSON.stringify(field)}:1}`) as unknown;
      assert.match(refused({ type: 'log', event: 'proxy.request_refused', fields }, 'log'), new RegExp(`^fields has "${field}", `), field);
    }
    assert.match(refused({ type: 'log', event: 'front.logs_dropped', fields: { front: 2, dropped: 1 } }, 'log'), /^fields has "front", /, 'the front a line is of is the control\'s word');
  });

  it('refuses what is not an object or has no type a front sends, as unknown', () => {
    for (const value of [null, 5, 'pong', [], [{ type: 'pong', id: 1 }]]) assert.match(refused(value, 'unknown'), /^the message is .*, not an object$/);
    assert.match(refused({ type: 'party' }, 'unknown'), /^type is "party", not one a front sends$/);
    assert.match(refused({ type: 'toString' }, 'unknown'), /not one a front sends/, 'a name every object has is no type');
    assert.match(refused({ type: '__proto__' }, 'unknown'), /not one a front sends/);
    assert.match(refused({ id: 1 }, 'unknown'), /^type is missing/);
  });
});
