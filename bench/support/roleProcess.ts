// Each benchmark runs its parts (backend, proxies, drivers) as separate processes of its own
// script, chosen by a role argument, as they would run in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type net from 'node:net';

/** In a role process: listen on a free loopback port and tell the parent which one. */
export async function listenAndReport(server: net.Server): Promise<void> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
}

export interface RoleProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** The whole line it reported: the port first, then whatever else the role says. */
  readonly line: string;
}

/**
 * Starts `script` again with `args` (a role and its arguments) under the same Node flags, and
 * waits for the port it reports. `ipc` adds an IPC channel; `nodeFlags` adds flags for this child.
 */
export async function startRole(script: string | URL, args: readonly string[], options: { ipc?: boolean; nodeFlags?: readonly string[] } = {}): Promise<RoleProcess> {
  const child = spawnRole(script, args, options);
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const text = line.toString().trim();
  return { child, port: Number(text.split(' ')[0]), line: text };
}

/** Runs `script` with `args` to its end (a driver, say) and returns what it printed; fails if it fails. */
export async function runRole(script: string | URL, args: readonly string[]): Promise<string> {
  const child = spawnRole(script, args, {});
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return out;
}

function spawnRole(script: string | URL, args: readonly string[], options: { ipc?: boolean; nodeFlags?: readonly string[] }): ChildProcess {
  const path = typeof script === 'string' ? script : script.pathname;
  return spawn(process.execPath, [...process.execArgv, ...(options.nodeFlags ?? []), path, ...args], {
    stdio: options.ipc === true ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
  });
}
