import type { AddressInfo, ListenOptions as NetListenOptions } from 'node:net';
import { unlink } from 'node:fs/promises';
import { InvalidOptionError, ListenFailedError } from './errors.ts';
import { isStaleSocket } from './internal/isStaleSocket.ts';
import {
  checkCompat,
  readPorticoEnvironment,
  type CompatMode,
  type Environment,
  type ListenInstruction,
} from './readPorticoEnvironment.ts';
import { signalReady as sendReadySignal, type ReadinessSignals } from './signalReady.ts';

/** Anything that listens like `net.Server`: `http`, `https`, `net` servers, and wrappers of them. */
export interface ListenableServer {
  listen(options: NetListenOptions | { fd: number }): unknown;
  // `any[]`, as Node's own EventEmitter typings say, so every emitter fits (neither `unknown[]`
  // nor `never[]` accepts Node's servers).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  once(event: 'listening' | 'error', listener: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: 'listening' | 'error', listener: (...args: any[]) => void): unknown;
  address(): AddressInfo | string | null;
}

export interface ListenOptions {
  /** The environment to read; `process.env` by default. */
  readonly env?: Environment;
  /** `"aspnetcore"`: also honour `ASPNETCORE_PORT`. */
  readonly compat?: CompatMode;
  /** Development fallback port when Portico gave no place to listen; 3000 by default. */
  readonly port?: number;
  /** Development fallback host; `127.0.0.1` by default. Portico's TCP port is always loopback. */
  readonly host?: string;
  /** Signal readiness once listening (IPC and notify fd); true by default. */
  readonly signalReady?: boolean;
}

/** Where a server was told to listen, including the development fallback. */
export type ListenTarget =
  | ListenInstruction
  | { readonly mode: 'tcp'; readonly host: string; readonly port: number; readonly from: 'fallback' };

/** Where the server listens, and which readiness signals went out. */
export type Listening = ListenTarget & {
  /** One line for a start-up log: `http://127.0.0.1:41234 (PORTICO_PORT)`. */
  readonly description: string;
  /** Undefined when `signalReady: false`. */
  readonly readiness: ReadinessSignals | undefined;
};

type Described = ListenTarget & { readonly description: string };

/**
 * Makes `server` listen where Portico said: its TCP port on 127.0.0.1, its unix socket, or the
 * socket it passed as fd 3 (`LISTEN_FDS`, honoured only when `LISTEN_PID` is this process).
 * Without Portico it listens on `options.port ?? 3000` on 127.0.0.1, so the same app runs in
 * development. Once listening it signals readiness (see `signalReady`) and resolves with where
 * it listens. Fails with `ListenFailedError` (cause attached) or `InvalidEnvironmentError`.
 *
 * @example
 * const where = await listen(http.createServer(withPortico(handler)), { port: 8080 });
 * console.log(`listening on ${where.description}`);
 */
export async function listen(server: ListenableServer, options: ListenOptions = {}): Promise<Listening> {
  const target = resolveListenTarget(options);
  await bind(server, target);
  const listening = describe(server, target);
  const readiness = options.signalReady === false ? undefined : await sendReadySignal(options.env ? { env: options.env } : {});
  return { ...listening, readiness };
}

/** Where `listen` would listen, without listening: for logs and checks. */
export function resolveListenTarget(options: ListenOptions = {}): ListenTarget {
  const compat = checkCompat(options.compat);
  const port = options.port ?? 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidOptionError('port', `must be a whole number from 0 to 65535, got ${String(port)}`);
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new InvalidOptionError('host', 'must be a non-empty string');
  if (options.signalReady !== undefined && typeof options.signalReady !== 'boolean') {
    throw new InvalidOptionError('signalReady', `must be a boolean, got ${typeof options.signalReady}`);
  }
  const { listen: instruction } = readPorticoEnvironment({ ...(options.env && { env: options.env }), ...(compat && { compat }) });
  return instruction ?? { mode: 'tcp', host, port, from: 'fallback' };
}

async function bind(server: ListenableServer, target: ListenTarget): Promise<void> {
  try {
    await listenOnce(server, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (target.mode === 'unix' && code === 'EADDRINUSE' && (await isStaleSocket(target.path))) {
      await unlink(target.path).catch(() => undefined);
      await listenOnce(server, target).catch((retry: unknown) => {
        throw new ListenFailedError(where(target), retry as Error);
      });
      return;
    }
    throw new ListenFailedError(where(target), error as Error);
  }
}

function listenOnce(server: ListenableServer, target: ListenTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    server.once('listening', onListening);
    server.once('error', onError);
    try {
      if (target.mode === 'fd') server.listen({ fd: target.fd });
      else if (target.mode === 'unix') server.listen({ path: target.path });
      else server.listen({ host: target.host, port: target.port });
    } catch (error) {
      onError(error as Error);
    }
  });
}

function where(target: ListenTarget): string {
  if (target.mode === 'fd') return `fd ${target.fd} (LISTEN_FDS)`;
  if (target.mode === 'unix') return `unix socket ${target.path} (PORTICO_SOCKET)`;
  return `${target.host}:${target.port} (${target.from === 'fallback' ? 'development fallback' : target.from})`;
}

function describe(server: ListenableServer, target: ListenTarget): Described {
  const address = server.address();
  if (target.mode === 'tcp') {
    const port = typeof address === 'object' && address !== null ? address.port : target.port;
    const note = target.from === 'fallback' ? 'no Portico environment: development fallback' : target.from;
    return { ...target, port, description: `http://${target.host}:${port} (${note})` };
  }
  if (target.mode === 'unix') return { ...target, description: `unix:${target.path} (PORTICO_SOCKET)` };
  const bound = typeof address === 'string' ? `unix:${address}` : address ? `${address.address}:${address.port}` : 'an inherited socket';
  return { ...target, description: `fd ${target.fd}, ${bound} (LISTEN_FDS)` };
}
