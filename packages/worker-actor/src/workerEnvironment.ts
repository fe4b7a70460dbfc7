import type { Endpoint } from './ProcessHost.ts';
import type { WorkerOptions } from './WorkerOptions.ts';

/**
 * The backend's environment: Portico's own, overlaid by the app's `environmentVariables`, overlaid
 * by the contract (which the app's settings cannot override, so a typo cannot point a backend at
 * the wrong port or token).
 */
export function workerEnvironment(options: WorkerOptions, endpoint: Endpoint, token: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.baseEnvironment ?? process.env)) {
    if (value !== undefined) env[name] = value;
  }
  // Portico's own contract variables from an outer Portico must not leak into this backend.
  for (const name of Object.keys(env)) {
    if (/^(PORTICO_|LISTEN_(FDS|PID|FDNAMES)$|WATCHDOG_(USEC|PID)$|ASPNETCORE_(PORT|TOKEN|APPL_PATH)$)/.test(name)) delete env[name];
  }
  Object.assign(env, options.environmentVariables);
  const applPath = options.applPath ?? '/';
  if (endpoint.kind === 'tcp' && options.listenMode !== 'socket-activation') {
    env.PORT = String(endpoint.port);
    env.PORTICO_PORT = String(endpoint.port);
  }
  if (endpoint.kind === 'unix' && options.listenMode !== 'socket-activation') env.PORTICO_SOCKET = endpoint.path;
  env.PORTICO_TOKEN = token;
  // systemd's variable: a backend that finds it sends WATCHDOG=1 at least this often (in µs).
  if (options.liveness?.kind === 'watchdog') env.WATCHDOG_USEC = String(Math.round(options.liveness.watchdogSec * 1_000_000));
  env.PORTICO_APPL_PATH = applPath;
  if (options.compat === 'aspnetcore') {
    if (endpoint.kind === 'tcp') env.ASPNETCORE_PORT = String(endpoint.port);
    env.ASPNETCORE_TOKEN = token;
    env.ASPNETCORE_APPL_PATH = applPath;
  }
  return env;
}
