import type http from 'node:http';
import type { MetricsHistory } from './MetricsHistory.ts';

/**
 * `GET /history[?seconds=N]`: the samples the status page draws, oldest first, as
 * `{ intervalMs, capacity, samples }`; with `seconds`, those of the last N seconds only (1 to the
 * ring's capacity). Anything else in `seconds` is a 400 that says what is accepted.
 */
export function serveHistory(req: http.IncomingMessage, history: MetricsHistory, intervalMs: number, send: (status: number, json: string) => void): void {
  const raw = new URL(req.url ?? '/', 'http://admin').searchParams.get('seconds');
  let seconds: number | undefined;
  if (raw !== null) {
    seconds = /^[0-9]{1,6}$/.test(raw) ? Number(raw) : NaN;
    const most = (history.capacity * intervalMs) / 1000;
    if (!(seconds >= 1 && seconds <= most)) return send(400, JSON.stringify({ error: `seconds must be a whole number from 1 to ${most}, got ${JSON.stringify(raw.slice(0, 40))}` }));
  }
  // The samples' JSON is kept as it was taken: joined, not serialized again (MetricsHistory).
  send(200, `{"intervalMs":${intervalMs},"capacity":${history.capacity},"samples":${history.samplesJson(Date.now(), seconds)}}`);
}
