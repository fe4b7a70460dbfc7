import { spawn, type StdioOptions } from 'node:child_process';
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import http from 'node:http';
import net, { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { systemClock, type Clock } from '@portico/supervisor';
import type { Endpoint, ListenSocket, PingAnswer, ProcessEvents, ProcessHandle, ProcessHost, ProcessIsolation, ProcessSpec, Probe } from './ProcessHost.ts';
import { CgroupTree, type WorkerCgroup } from './internal/CgroupTree.ts';
import { ListenSocketError, SocketPathTooLongError } from './errors.ts';
import { listenerOwnedBy } from './internal/listenerOwner.ts';
import { OrphanGuard } from './OrphanGuard.ts';
import { procAvailable, readProcessTree } from './internal/readProcessTree.ts';
import { readCgroupUsage } from './internal/readCgroupUsage.ts';
import type { ProcessUsage } from './ProcessUsage.ts';

/** Linux's sun_path holds 108 bytes including the terminating NUL. */
const maxSocketPath = 107;
/**
 * After the process exits, its output pipes normally reach their end at once. One that stays open
 * is held by a process the kill did not reach (one that left the group, where no cgroup holds it);
 * it is cut once nothing came through it for this long while Portico was reading it.
 */
export const outputDrainLimitMs = 5_000;
/**
 * The pipes are cut this long after the exit at the latest, whatever still comes through them or
 * holds them back (a capture behind a hung disk): the exit must be reported for a successor to start.
 */
export const outputDrainCapMs = 60_000;
const outputDrainCheckMs = 250;
const probeTimeoutMs = 1_000;

/**
 * The real `ProcessHost`: `child_process` in its own process group and, where Portico can create
 * cgroup v2 groups (as root, or under systemd's Delegate=yes), in its own cgroup; loopback
 * sockets, node:http probes. `cgroups: false` keeps to process groups. `clock` (`systemClock` by
 * default) times the watch of a dead process's output pipes (`outputDrainLimitMs`) and a ping's
 * deadline.
 */
export function createNodeProcessHost(options: { readonly cgroups?: boolean; readonly clock?: Clock } = {}): ProcessHost {
  const clock = options.clock ?? systemClock;
  let socketDir: Promise<string> | undefined;
  let socketCount = 0;
  const orphans = new OrphanGuard();
  /** Each live worker process's own cgroup, where it has one. */
  const cgroupOf = new Map<number, string>();
  let tree: CgroupTree | { readonly why: string } | undefined;
  const cgroups = (): CgroupTree | undefined => {
    tree ??= options.cgroups === false ? { why: 'cgroups were turned off for this host' } : CgroupTree.open();
    return tree instanceof CgroupTree ? tree : undefined;
  };

  return {
    spawn: (spec, events) => spawnProcess(spec, events, orphans, cgroups(), cgroupOf, clock),

    isolation(): ProcessIsolation {
      const found = cgroups();
      return found ? found.isolation : { kind: 'process-group', why: (tree as { why: string }).why };
    },

    allocatePort: () =>
      new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as net.AddressInfo;
          server.close(() => resolve(port));
        });
      }),

    async allocateSocketPath(name) {
      socketDir ??= mkdtemp(join(tmpdir(), 'portico-'));
      const dir = await socketDir;
      const path = join(dir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${++socketCount}.sock`);
      if (Buffer.byteLength(path) > maxSocketPath) throw new SocketPathTooLongError(path, maxSocketPath);
      await unlink(path).catch(() => {});
      return path;
    },

    bindListenSocket,

    // Without /proc (macOS) the host cannot tell, and says so by not having `usage` (docs/worker.md).
    // A worker in a cgroup of its own is counted from it (docs/worker.md, What a worker costs).
    ...(procAvailable() ? { usage: (pid: number) => usageOf(pid, cgroupOf.get(pid)) } : {}),

    async probe(endpoint, probe, pid, signal) {
      const answered = probe.kind === 'tcp' ? await probeTcp(endpoint) : await probeHttp(endpoint, probe);
      return answered && (endpoint.kind !== 'tcp' || (await listenerOwnedBy(endpoint.port, pid, signal)));
    },

    ping: (endpoint, path, headers, timeoutMs) => ping(endpoint, path, headers, timeoutMs, clock),

    async close() {
      orphans.close();
      if (tree instanceof CgroupTree) tree.close();
      tree = undefined;
      const dir = socketDir;
      socketDir = undefined;
      if (dir) await rm(await dir, { recursive: true, force: true });
    },

    requestShutdown: (endpoint, path, headers) =>
      new Promise((resolve) => {
        const request = http.request({
          ...connectOptions(endpoint),
          method: 'POST',
          path,
          headers: { ...headers, connection: 'close' },
          timeout: probeTimeoutMs,
          agent: false,
        });
        request.on('response', (response) => response.resume().on('end', () => resolve()));
        request.on('error', () => resolve());
        request.on('timeout', () => request.destroy());
        request.end();
      }),
  };
}

/** Whether execvp would find `command`: a path (relative to `cwd`), or a name in `PATH`. */
function runnable(command: string, path: string | undefined, cwd: string): boolean {
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return executable(resolve(cwd, command));
  return (path ?? '/usr/bin:/bin').split(':').some((dir) => executable(resolve(cwd, dir || '.', command)));
}

/** A string as one word for /bin/sh. */
const shellWord = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** From the worker's cgroup while it has one with processes in it, else from the process tree. */
function usageOf(pid: number, cgroup: string | undefined): ProcessUsage | undefined {
  return (cgroup === undefined ? undefined : readCgroupUsage(cgroup)) ?? readProcessTree(pid);
}

function spawnProcess(spec: ProcessSpec, events: ProcessEvents, orphans: OrphanGuard, tree: CgroupTree | undefined, cgroupOf: Map<number, string>, clock: Clock): ProcessHandle {
  const env: Record<string, string> = { ...spec.env };
  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', spec.listenSocket ? spec.listenSocket.fd : 'ignore'];
  let command = spec.command;
  let args = [...spec.args];
  // What a shell does in the child before it execs the backend in place (keeping its pid).
  const prelude: string[] = [];
  let cgroup: WorkerCgroup | undefined;
  try {
    // A command that cannot run is spawned as it is, so its spawn error (ENOENT) is what is
    // reported, not a shell's exit 127.
    if (runnable(command, env.PATH, spec.cwd)) cgroup = tree?.create(spec.name ?? 'worker', spec.limits);
  } catch {
    // The subtree was removed under us, or is full: this process keeps to its process group.
  }
  // Another user may not write Portico's cgroup.procs: Portico moves the shell itself, then says go.
  const joinedByPortico = cgroup !== undefined && spec.uid !== undefined;
  if (cgroup && joinedByPortico) {
    stdio[0] = 'pipe';
    prelude.push(`read -r go || { echo "portico: could not join the cgroup "${shellWord(cgroup.path)} >&2; exit 125; }`, 'exec </dev/null');
  } else if (cgroup) {
    // Joined before exec, so every process the backend ever starts is born in the cgroup.
    const procs = shellWord(cgroup.procsFile);
    prelude.push(`echo $$ > ${procs} || { echo "portico: could not join the cgroup "${procs} >&2; exit 125; }`);
  }
  if (spec.listenSocket) {
    // systemd's protocol wants LISTEN_PID to be the backend's own pid, known only after fork.
    env.LISTEN_FDS = '1';
    prelude.push('LISTEN_PID=$$; export LISTEN_PID');
  }
  if (prelude.length > 0) {
    args = ['-c', `${prelude.join('\n')}\nexec "$0" "$@"`, command, ...args];
    command = '/bin/sh';
  }
  if (spec.notify) {
    stdio.push('pipe', 'ipc');
    env.PORTICO_NOTIFY_FD = '4';
  }
  // detached: the backend leads a new process group, so a signal to -pid reaches all it spawned.
  const identity = spec.uid === undefined ? {} : { uid: spec.uid, ...(spec.gid === undefined ? {} : { gid: spec.gid }) };
  const child = spawn(command, args, { cwd: spec.cwd, env, stdio, detached: true, ...identity });
  const pid = child.pid;
  if (joinedByPortico && pid !== undefined) {
    child.stdin?.on('error', () => {}); // a shell that died at once closed its end
    try {
      writeFileSync(cgroup!.procsFile, String(pid));
      child.stdin?.end('go\n');
    } catch {
      child.stdin?.end();
    }
  }
  if (pid !== undefined) orphans.add(pid, cgroup?.path);
  if (pid !== undefined && cgroup) cgroupOf.set(pid, cgroup.path);
  if (pid === undefined) void cgroup?.end(outputDrainLimitMs);

  let reported = false;
  const report = (exit: { code: number | null; signal: string | null; error?: Error; at?: number }) => {
    if (reported) return;
    reported = true;
    events.onExit(exit);
  };
  const signalGroup = (signal: NodeJS.Signals) => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the whole group is gone already.
    }
    // What left the group (setsid, a double fork) is still in the cgroup (systemd's KillMode=control-group);
    // what is still in the group had the signal already.
    cgroup?.signal(signal, pid);
  };

  child.on('error', (error) => {
    if (pid === undefined) report({ code: null, signal: null, error });
  });
  child.on('exit', (code, signal) => {
    // Reported once the output is read and the cgroup empty (up to outputDrainCapMs later), dated now.
    const at = clock.now();
    if (pid !== undefined) cgroupOf.delete(pid);
    // Whatever the backend left behind in its group would be an orphan holding its port.
    signalGroup('SIGKILL');
    const stopDraining = cutHeldPipes([child.stdout, child.stderr], clock);
    // 'close' comes once stdout and stderr have been read to their end: every byte is delivered.
    child.once('close', () => {
      stopDraining();
      // The exit is reported once nothing of the tree is left: a restart never meets its remains.
      void Promise.resolve(cgroup?.end(outputDrainLimitMs)).then(() => {
        if (pid !== undefined) orphans.remove(pid, cgroup?.path);
        report({ code, signal, at });
      });
    });
  });
  if (spec.notify) {
    child.on('message', (message) => {
      const type = typeof message === 'string' ? message : (message as { type?: unknown } | null)?.type;
      if (type === 'ready' || type === 'portico.ready') events.onNotify();
      else if (type === 'watchdog' || type === 'portico.watchdog') events.onWatchdog?.();
    });
    child.on('error', () => {}); // an IPC channel closing under a dying child is not news
    const notifyPipe = child.stdio[4];
    if (notifyPipe) {
      createInterface({ input: notifyPipe as NodeJS.ReadableStream }).on('line', (line) => {
        // sd_notify's format: one or more VAR=value lines; READY=1 and WATCHDOG=1 are the two Portico reads.
        const state = line.trim();
        if (state === 'READY=1') events.onNotify();
        else if (state === 'WATCHDOG=1') events.onWatchdog?.();
      });
    }
  }

  return {
    pid: pid ?? 0,
    stdout: child.stdout!,
    stderr: child.stderr!,
    signal: (signal) => {
      if (!reported) signalGroup(signal);
    },
  };
}

/**
 * Watches a dead process's output pipes until they close, and cuts them when something else holds
 * them open (`outputDrainLimitMs`, `outputDrainCapMs`). Time in which Portico's own reader held a
 * pipe back (the capture waits for a slow disk, and the pipe is paused) is not silence: the bytes
 * are there, waiting to be read, and cutting would lose them.
 */
function cutHeldPipes(pipes: readonly (Readable | null)[], clock: Clock): () => void {
  const open = pipes.filter((pipe): pipe is Socket => pipe instanceof Socket);
  const bytesRead = () => open.reduce((sum, pipe) => sum + pipe.bytesRead, 0);
  const exitedAt = clock.now();
  let quietSince = exitedAt;
  let read = bytesRead();
  let watch: unknown;
  const check = () => {
    const now = clock.now();
    const readNow = bytesRead();
    if (readNow !== read || open.some((pipe) => !pipe.readableEnded && pipe.readableFlowing !== true)) quietSince = now;
    read = readNow;
    if (now - quietSince < outputDrainLimitMs && now - exitedAt < outputDrainCapMs) {
      watch = clock.setTimeout(check, outputDrainCheckMs);
      return;
    }
    watch = undefined;
    for (const pipe of open) pipe.destroy();
  };
  watch = clock.setTimeout(check, outputDrainCheckMs);
  return () => clock.clearTimeout(watch);
}

/**
 * Binds (without accepting) a socket for socket activation. Portico holds it for the app's whole
 * life and never accepts on it: the backend does. A one-shot helper puts it in the listening
 * state first, so the kernel queues connections while a backend boots or restarts, and a
 * backend that expects an already-listening socket (systemd's contract) gets one.
 */
async function bindListenSocket(endpoint: Endpoint): Promise<ListenSocket> {
  const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;
  const handle =
    endpoint.kind === 'tcp' ? createServerHandle(endpoint.host, endpoint.port, 4) : createServerHandle(endpoint.path, -1, -1);
  if (typeof handle === 'number') throw new ListenSocketError(describe(endpoint), `errno ${handle}`);
  await listenThroughHelper(handle.fd);
  let bound: Endpoint = endpoint;
  if (endpoint.kind === 'tcp') {
    const address: { port?: number } = {};
    handle.getsockname(address);
    bound = { ...endpoint, port: address.port ?? endpoint.port };
  }
  let closed: Promise<void> | undefined;
  return {
    endpoint: bound,
    fd: handle.fd,
    close: () =>
      (closed ??= new Promise<void>((resolve) => handle.close(() => resolve())).then(async () => {
        if (endpoint.kind === 'unix') await rm(endpoint.path, { force: true });
      })),
  };
}

type CreateServerHandle = (
  address: string,
  port: number,
  addressType: number,
) => number | { fd: number; close(cb: () => void): void; getsockname(out: object): void };

function listenThroughHelper(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const helper = spawn(process.execPath, ['-e', "require('net').createServer().listen({ fd: 3, backlog: 511 }, () => process.exit(0))"], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
    });
    let stderr = '';
    helper.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    helper.on('error', reject);
    helper.on('close', (code) => (code === 0 ? resolve() : reject(new ListenSocketError(`fd ${fd}`, stderr.trim() || `exit ${code}`))));
  });
}

function connectOptions(endpoint: Endpoint): { host: string; port: number } | { socketPath: string } {
  return endpoint.kind === 'tcp' ? { host: endpoint.host, port: endpoint.port } : { socketPath: endpoint.path };
}

function describe(endpoint: Endpoint): string {
  return endpoint.kind === 'tcp' ? `${endpoint.host}:${endpoint.port}` : endpoint.path;
}

function probeTcp(endpoint: Endpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = endpoint.kind === 'tcp' ? net.connect(endpoint.port, endpoint.host) : net.connect(endpoint.path);
    socket.setTimeout(probeTimeoutMs);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** One liveness ping: a fresh connection each time, so a backend that stopped accepting is seen as such. */
function ping(endpoint: Endpoint, path: string, headers: Readonly<Record<string, string>>, timeoutMs: number, clock: Clock): Promise<PingAnswer> {
  return new Promise((resolve) => {
    const request = http.get({ ...connectOptions(endpoint), path, headers, agent: false });
    const timer = clock.setTimeout(() => {
      request.destroy();
      resolve({ ok: false, why: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    const done = (answer: PingAnswer) => {
      clock.clearTimeout(timer);
      resolve(answer);
    };
    request.on('response', (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      done(status >= 200 && status < 300 ? { ok: true } : { ok: false, why: `answered ${status}` });
    });
    request.on('error', (error: NodeJS.ErrnoException) => done({ ok: false, why: error.code ?? error.message }));
  });
}

function probeHttp(endpoint: Endpoint, probe: Probe & { kind: 'http' }): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ ...connectOptions(endpoint), path: probe.path, headers: probe.headers, timeout: probeTimeoutMs, agent: false });
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => request.destroy());
  });
}
