import type { ListenEntry } from '@portico/listener';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';

/** The config's listen entries as the listener takes them; `handles`: the fronts' copies of the control's sockets. */
export function listenEntries(listen: PorticoConfig['listen'], handles?: readonly (object | undefined)[]): ListenEntry[] {
  return listen.map((entry, i) => ({
    port: entry.port,
    host: entry.host,
    ...(entry.tls ? { tls: { cert: entry.tls.cert, key: entry.tls.key, ...(entry.tls.ca ? { ca: entry.tls.ca } : {}), requestCert: entry.tls.requestCert } } : {}),
    ...(entry.http2 !== undefined ? { http2: entry.http2 } : {}),
    h2c: entry.h2c,
    ...(handles?.[i] ? { handle: handles[i] } : {}),
  }));
}
