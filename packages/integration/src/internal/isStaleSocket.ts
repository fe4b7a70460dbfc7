import { connect } from 'node:net';

/**
 * A unix socket file left by a crashed process refuses connections; a live one accepts them.
 * Only a refused path is safe to remove and bind again.
 */
export function isStaleSocket(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}
