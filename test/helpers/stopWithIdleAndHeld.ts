import assert from 'node:assert/strict';
import type { rawGet } from './rawGet.ts';

/**
 * Stops Portico (`stop`) with two keep-alive clients open: `idle`, whose request was answered,
 * and `held`, whose request is in flight. Holds the stop to nginx's graceful quit, in one process
 * as with fronts: the idle connection closes as the stop begins, before the request in flight
 * ends, and that request gets its whole response, with `connection: close`.
 */
export async function stopWithIdleAndHeld(stop: () => Promise<void>, idle: ReturnType<typeof rawGet>, held: ReturnType<typeof rawGet>): Promise<void> {
  let heldDone = false;
  void held.closed.then(() => (heldDone = true));
  const stopped = stop();
  const first = await idle.closed;
  assert.match(first, /^HTTP\/1\.1 200 /, 'the idle connection had its answer');
  assert.equal(heldDone, false, 'the idle connection closed before the request in flight ended');
  const answer = await held.closed;
  assert.match(answer, /^HTTP\/1\.1 200 /);
  assert.match(answer, /\r\nconnection: close\r\n/i);
  await stopped;
}
