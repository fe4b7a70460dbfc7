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
 * Probes until the backend answers: first at once, then after 1, 2, 4 … ms, never more than 50 ms
 * apart. ANCM polls every 250 ms; this finds a backend within a few ms of it listening, at the
 * cost of a few dozen loopback connects during a slow boot. The start time limit is the worker
 * machine's, not the probe's.
 */
export const readinessProbe = fromCallback<{ type: string }, ProbeInput, { type: 'probe.ready' }>(({ input, sendBack, system }) => {
  const clock = clockOf(system);
  let stopped = false;
  let timer: unknown;
  let delay = 1;
  const attempt = async () => {
    const ok = await input.host.probe(input.endpoint, input.probe, input.pid);
    if (stopped) return;
    if (ok) return sendBack({ type: 'probe.ready' });
    timer = clock.setTimeout(() => void attempt(), delay);
    delay = Math.min(50, delay * 2);
  };
  void attempt();
  return () => {
    stopped = true;
    if (timer !== undefined) clock.clearTimeout(timer);
  };
});
