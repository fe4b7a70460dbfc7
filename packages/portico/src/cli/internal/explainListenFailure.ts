import type { PorticoConfig } from '../../config/PorticoConfigSchema.ts';
import { findPortHolder } from './findPortHolder.ts';

/**
 * The message for a socket `portico start` could not bind. A port in use is said as the address,
 * the config key that asked for it, and the process that holds it (where `/proc` says), since
 * "EADDRINUSE" alone sends the operator to `ss` first; an admin socket that answers already is
 * said as such, with the key. Other failures keep the listener's message.
 */
export async function explainListenFailure(error: Error & { code?: unknown }, config: PorticoConfig): Promise<string> {
  const socket = config.admin?.socket;
  // The admin socket answers already: most often a second Portico started on the same config.
  if (error.code === 'PORTICO_ERR_LISTENER_LISTEN_FAILED' && socket !== undefined && error.message.includes(`${socket} (admin)`) && error.message.includes('EADDRINUSE')) {
    return `cannot serve the admin socket ${socket} (admin.socket): a process answers there already, as another Portico started with this config would (portico status with the same -c shows it); stop it, or choose another path in admin.socket`;
  }
  const cause = (error as { cause?: NodeJS.ErrnoException & { address?: unknown; port?: unknown } }).cause;
  if (error.code !== 'PORTICO_ERR_LISTENER_LISTEN_FAILED' || cause?.code !== 'EADDRINUSE' || typeof cause.port !== 'number') return error.message;
  const port = cause.port;
  const address = typeof cause.address === 'string' ? cause.address : '0.0.0.0';
  const admin = error.message.includes('(admin)');
  // A host name is bound at the address it resolves to: then the port alone finds the entry.
  const exact = config.listen.findIndex((entry) => entry.port === port && (entry.host ?? '0.0.0.0') === address);
  const index = exact !== -1 ? exact : config.listen.findIndex((entry) => entry.port === port);
  const where = admin ? 'admin' : index === -1 ? 'listen' : `listen[${index}]`;
  const holder = await findPortHolder(port).catch(() => undefined);
  const by =
    holder === undefined ? '' : holder.pid === undefined ? ` by a process of another user (sudo ss -ltnp 'sport = :${port}' names it)` : ` by pid ${holder.pid} (${holder.command})`;
  const host = address.includes(':') ? `[${address}]` : address;
  return `cannot listen on ${host}:${port} (${where}): the address is in use${by}; stop that process, or choose another port in ${where}.port`;
}
