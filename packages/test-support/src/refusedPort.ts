import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

/** The first port of the kernel's ephemeral range, from which `listen(0)` and outgoing connections take theirs. */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

/** Whether a connection to 127.0.0.1:`port` is refused now. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/**
 * A port on 127.0.0.1 where connections are refused, for a test of a dead backend. Unlike a
 * `freePort` (taken from the ephemeral range and given up), it lies below the kernel's ephemeral
 * range, where no test's `listen(0)` and no outgoing connection lands, so a test running in
 * parallel cannot start listening on it between the pick and the connection (seen: a retry case
 * whose dead backend had become another test's live one).
 */
export async function refusedPort(): Promise<number> {
  const low = Math.min(ephemeralLow(), 65_536);
  for (let tries = 0; tries < 50; tries++) {
    const port = 10_000 + Math.floor(Math.random() * Math.max(1, low - 10_000));
    if (await refused(port)) return port;
  }
  throw new Error(`no refusing port found on 127.0.0.1 between 10000 and ${low}`);
}
