import { clockOf } from '@portico/supervisor';
import { fromCallback } from 'xstate';
import type { Endpoint, ProcessHost, Probe } from '../ProcessHost.ts';

export interface ProbeInput {
  readonly host: ProcessHost;
  readonly endpoint: Endpoint;
  readonly probe: Probe;
  readonly pid: number;
}

/**
 * Probes until the backend answers: at once, then every 2 ms, the interval growing with the time
 * spent waiting (2 ms + 4 % of it) to at most 50 ms. ANCM polls every 250 ms; this finds a
 * backend within a few ms of it listening, at the cost of some loopback connects (about a
 * hundred in a one-second boot, each a fraction of a millisecond). The start time limit is the
 * worker machine's, not the probe's.
 */
export const readinessProbe = fromCallback<{ type: string }, ProbeInput, { type: 'probe.ready' }>(({ input, sendBack, system }) => {
  const clock = clockOf(system);
  const stopped = new AbortController();
  let timer: unknown;
  const began = clock.now();
  const attempt = async () => {
    const ok = await input.host.probe(input.endpoint, input.probe, input.pid, stopped.signal);
    if (stopped.signal.aborted) return;
    if (ok) return sendBack({ type: 'probe.ready' });
    const delay = Math.min(50, 2 + (clock.now() - began) * 0.04);
    timer = clock.setTimeout(() => void attempt(), delay);
  };
  void attempt();
  return () => {
    stopped.abort();
    if (timer !== undefined) clock.clearTimeout(timer);
  };
});
