import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { createActor, waitFor } from 'xstate';
import { createNodeProcessHost, workerMachine, type Endpoint, type WorkerEmitted, type WorkerOptions } from '../src/index.ts';

export const host = createNodeProcessHost();
export const backend = fileURLToPath(new URL('./fixtures/backend.mjs', import.meta.url));

const running = new Set<{ stop(): void }>();

/** Starts a worker over the fixture backend; `env` shapes the backend (see fixtures/backend.mjs). */
export function startWorker(env: Record<string, string> = {}, options: Partial<WorkerOptions> = {}) {
  const actor = createActor(workerMachine, {
    input: { options: { app: 'test', processPath: process.execPath, arguments: [backend], host, environmentVariables: env, ...options } },
  });
  const emitted: WorkerEmitted[] = [];
  actor.on('*', (event) => emitted.push(event));
  let failure: unknown;
  actor.subscribe({ error: (error) => (failure = error) });
  actor.start();
  running.add(actor);
  return {
    actor,
    emitted,
    ready: () => waitFor(actor, (s) => s.matches({ live: 'ready' }), { timeout: 10_000 }),
    ended: async () => {
      await waitFor(actor, (s) => s.status !== 'active', { timeout: 15_000 }).catch((e: unknown) => {
        if (actor.getSnapshot().status !== 'error') throw e;
      });
      const snapshot = actor.getSnapshot();
      const output = snapshot.output;
      return { snapshot, failure: output?.exit === 'crash' ? output.error : failure };
    },
  };
}

/** Stops every worker a test started, outright. */
export function stopAllWorkers(): void {
  for (const actor of running) actor.stop();
  running.clear();
}

export function get(endpoint: Endpoint, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const where = endpoint.kind === 'tcp' ? { host: endpoint.host, port: endpoint.port } : { socketPath: endpoint.path };
    http
      .get({ ...where, path, headers, agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Whether `pid` runs; a zombie (dead, not yet reaped by its new parent) does not count. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Resolves once `pid` is gone (the kernel reaps it shortly after SIGKILL), or rejects after `ms`. */
export async function waitForDeath(pid: number, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} is still alive`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
