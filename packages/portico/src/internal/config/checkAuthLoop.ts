import net from 'node:net';
import { isLoopback } from '@portico/listener';
import type { RawProblem } from './walkSchema.ts';

type Listener = readonly [index: number, listener: Record<string, unknown>];

/**
 * Whether a connection to `host` reaches a socket bound to `bound`: the same address, or one the
 * bound address takes in (every address of a family takes its loopback; `localhost` may be either
 * loopback). A name other than `localhost` is not resolved: the check stays what the config says.
 */
function reaches(host: string, bound: string): boolean {
  if (host === bound) return true;
  if (bound === '::' || bound === 'localhost') return isLoopback(host) || host === '0.0.0.0' || host === '::';
  // An IPv4 socket takes 127/8 and its IPv4-mapped forms, not ::1.
  if (bound === '0.0.0.0') return host === 'localhost' || (isLoopback(host) && (net.isIPv4(host) || host.startsWith('::ffff:')));
  if (bound === '127.0.0.1' || bound === '::1') return host === 'localhost';
  return false;
}

/**
 * A forward authenticator's `url` that names one of Portico's own listeners: each auth subrequest
 * would arrive as a request, ask again, and so on (at run time Portico answers such a subrequest
 * 508, `auth.loop_detected`; this says it before the first request). A listener on port 0 has no
 * port yet, and is left to the run-time check.
 */
export function checkAuthLoop(auth: Record<string, unknown>, app: number, listeners: readonly Listener[]): RawProblem | undefined {
  const raw = auth['url'];
  if (auth['type'] !== 'forward' || typeof raw !== 'string' || !URL.canParse(raw)) return undefined;
  const url = new URL(raw);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const own = listeners.find(([, listener]) => listener['port'] === port && port !== 0 && reaches(host, String(listener['host'] ?? '0.0.0.0').toLowerCase()));
  if (own === undefined) return undefined;
  return {
    kind: 'conflict',
    path: ['apps', app, 'auth', 'url'],
    value: raw,
    message: `leads to listen[${own[0]}], Portico's own listener: each auth subrequest would come back to Portico and send another, in a loop`,
    allowed: 'the address of the auth service itself, on a port Portico does not listen on',
  };
}
