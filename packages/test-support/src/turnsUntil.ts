/**
 * Resolves once `done()` holds, looked at on every turn of the event loop: for a condition that
 * in-process code makes true (a server's callback, a forwarder's count), with no event to wait on.
 * The test's own timeout is the limit: a bound of its own would be a timed assertion, which a busy
 * machine fails. A condition another process makes true is polled more slowly instead (the root's
 * frontClients `until`), so that the wait leaves that process the CPU.
 */
export async function turnsUntil(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}
