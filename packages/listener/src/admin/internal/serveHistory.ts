import type http from 'node:http';
import type { MetricsHistory } from './MetricsHistory.ts';

/**
 * Seconds of history sent without `seconds`: a minute. The whole ring (five minutes) is asked
 * for by name, as the status page does: at 100 apps of 8 workers under 2 fronts it is 25 MB
 * and 0.2-0.3 s of the event loop, which a client that named no window should not cost.
 */
export const defaultHistorySeconds = 60;

/**
 * `GET /history[?seconds=N]`: the samples the status page draws, oldest first, as
 * `{ intervalMs, capacity, seconds, samples }`: those of the last N seconds before the newest
 * sample (1 to the ring's capacity in seconds; without it, the last minute). Anything else in
 * `seconds` is a 400 that says what is accepted.
 */
export function serveHistory(req: http.IncomingMessage, history: MetricsHistory, intervalMs: number, send: (status: number, json: string) => void): void {
  const raw = new URL(req.url ?? '/', 'http://admin').searchParams.get('seconds');
  const most = (history.capacity * intervalMs) / 1000;
  const seconds = raw === null ? Math.min(defaultHistorySeconds, most) : /^[0-9]{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(seconds >= 1 && seconds <= most)) {
    const error = `seconds must be a whole number from 1 to ${most} (the history keeps ${most} seconds; without seconds, the last ${Math.min(defaultHistorySeconds, most)}), got ${JSON.stringify(raw!.slice(0, 40))}`;
    return send(400, JSON.stringify({ error }));
  }
  // The window ends at the newest sample, not at the wall clock: samples are taken every
  // interval, so the two differ by less than one, and the answer does not depend on when it is asked.
  // The samples' JSON is kept as it was taken: joined, not serialized again (MetricsHistory).
  send(200, `{"intervalMs":${intervalMs},"capacity":${history.capacity},"seconds":${seconds},"samples":${history.samplesJson(history.newestAt, seconds)}}`);
}
