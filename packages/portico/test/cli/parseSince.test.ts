import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/UsageError.ts';
import { parseSince } from '../../src/cli/internal/parseSince.ts';

const now = Date.parse('2026-12-06T06:00:00Z');

describe('parseSince (portico logs --since)', () => {
  it('reads a duration back from now, or a time in ISO 8601 form', () => {
    assert.equal(parseSince('90s', now), now - 90_000);
    assert.equal(parseSince('1.5h', now), now - 5_400_000);
    assert.equal(parseSince('2026-12-06T02:00:00Z', now), Date.parse('2026-12-06T02:00:00Z'));
    assert.equal(parseSince('2026-12-06T03:00:00+01:00', now), Date.parse('2026-12-06T02:00:00Z'));
    assert.equal(parseSince('2026-12-06 03:00', now), Date.parse('2026-12-06 03:00'));
  });

  // The fields' pattern took one to three digits of a second's fraction, so a time as Python's
  // isoformat, journalctl's short-iso-precise or date --rfc-3339=ns write it (six or nine) was a
  // usage error, which Date.parse read. The fraction past the millisecond is dropped: --since
  // then shows the lines of that millisecond, never fewer.
  it('reads a fraction of a second of any length, to the millisecond', () => {
    assert.equal(parseSince('2026-12-06T02:00:00.123456Z', now), Date.parse('2026-12-06T02:00:00.123Z'));
    assert.equal(parseSince('2026-12-06 02:00:00.999999999+00:00', now), Date.parse('2026-12-06T02:00:00.999Z'));
    assert.equal(parseSince('2026-12-06T02:00:00.5Z', now), Date.parse('2026-12-06T02:00:00.500Z'));
  });

  it('reads a time without a zone, a day alone included, as local time, and refuses a day the calendar does not have', () => {
    // Date.parse reads a day alone ('2026-12-06') as UTC midnight, a day with a time as local,
    // and '2026-02-30' as 2 March: in New York, --since 2026-12-06 showed the evening before.
    const zone = process.env['TZ'];
    process.env['TZ'] = 'America/New_York';
    try {
      assert.equal(parseSince('2026-12-06', now), new Date(2026, 11, 6).getTime());
      assert.equal(new Date(parseSince('2026-12-06', now)).toISOString(), '2026-12-06T05:00:00.000Z');
      assert.equal(parseSince('2026-12-06 03:00', now), new Date(2026, 11, 6, 3).getTime());
      assert.equal(parseSince('2026-12-06T03:00:00Z', now), Date.parse('2026-12-06T03:00:00Z'));
    } finally {
      if (zone === undefined) delete process.env['TZ'];
      else process.env['TZ'] = zone;
    }
    // A zone offset out of range too: Date.parse refused '+99:99', which read by its fields moved
    // the time four days back.
    for (const text of ['2026-02-30', '2026-04-31', '2026-12-06 24:00', '2026-12-06T03:60', '2026-12-06T10:00+99:99', '2026-12-06T10:00+24:00', '2026-12-06T10:00-05:60']) {
      assert.throws(() => parseSince(text, now), (error: unknown) => error instanceof UsageError, JSON.stringify(text));
    }
  });

  it('refuses a number without a unit and the loose forms Date.parse reads as a day in 2001', () => {
    // Date.parse('10') is 2001-10-01 and Date.parse('x 5') 2001-05-01: "--since 10" meant minutes.
    for (const text of ['10', '2', 'x 5', 'May 5', '1 2', '99999', '1764000000000', '-5m', '5 m', '', 'yesterday', '2026-13-45', '2026-12-06T25:00']) {
      assert.throws(() => parseSince(text, now), (error: unknown) => error instanceof UsageError && /--since takes a duration/.test((error as Error).message), JSON.stringify(text));
    }
  });
});
