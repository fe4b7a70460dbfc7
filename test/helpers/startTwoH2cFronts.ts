import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { frontPids } from './frontClients.ts';
import { app, startPortico, type Started } from './portico.ts';

const downloadBackend = fileURLToPath(new URL('../fixtures/download-backend.mjs', import.meta.url));

/**
 * Portico with two fronts (`fronts: 2`) on one h2c listen entry before the download backend
 * (fixtures/download-backend.mjs), for the HTTP/2 attacks on fronts. `sendTimeout` (s) is how
 * long a front waits for a client to take its bytes (default: the config's). Stop it with
 * `stopAllPorticos`.
 */
export async function startTwoH2cFronts(sendTimeout?: number): Promise<Started & { readonly pids: readonly [number, number] }> {
  const started = await startPortico({
    fronts: 2,
    ...(sendTimeout === undefined ? {} : { limits: { sendTimeout } }),
    listen: [{ port: 0, host: '127.0.0.1', h2c: true }],
    apps: [app('shop', { arguments: [downloadBackend] })],
  });
  const pids = frontPids(started.portico);
  assert.equal(pids.length, 2);
  return { ...started, pids: pids as [number, number] };
}
