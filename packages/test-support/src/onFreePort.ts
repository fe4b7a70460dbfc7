import { freePort } from './freePort.ts';

/**
 * Starts a backend told its port up front, on a port free a moment ago. Test files run in
 * parallel, so another test may bind that port in between: a start that fails with the port in use
 * (each language words it its own way: EADDRINUSE, "Address already in use", "address in use") is
 * tried again on another port, up to five times, never reported as the backend's fault.
 *
 * @example
 * const { port, started } = await onFreePort((free) => startBackend({ env: { PORTICO_PORT: String(free) } }).event('listening'));
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>): Promise<{ port: number; started: T }> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    try {
      return { port, started: await start(port) };
    } catch (error) {
      if (attempt === 5 || !/in use|EADDRINUSE/i.test(String(error))) throw error;
    }
  }
}
