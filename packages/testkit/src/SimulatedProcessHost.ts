import type { Clock } from '@portico/supervisor';
import type { Endpoint, ListenSocket, PingAnswer, ProcessEvents, ProcessHandle, ProcessHost, ProcessSpec, Probe } from '@portico/worker-actor';
import { SimulatedProcess, type ProcessExitStatus, type SimulatedProcessState } from './internal/SimulatedProcess.ts';
import type { ProcessBehaviour, ProcessScript } from './ProcessScript.ts';
import { seededRandom } from './seededRandom.ts';

export interface SimulatedProcessHostOptions {
  /** Usually a `SimulatedClock`; every process timer runs on it. */
  readonly clock: Clock;
  /** Given to script functions. Default a PRNG seeded with 0. */
  readonly random?: () => number;
  /** Receives one line per thing that happens (spawn, listening, signal, exit). */
  readonly trace?: (line: string) => void;
  /** For commands nobody `define`d. Default `{ readyAfter: 10 }`. */
  readonly defaultScript?: ProcessScript;
  readonly firstPid?: number;
  readonly firstPort?: number;
  /**
   * Kill what is left of a process group when its leader exits, as the real host does. Turn it
   * off to see the orphan invariant catch a host that forgets to. Default true.
   */
  readonly killsGroupOnExit?: boolean;
}

/** One row of the live process table. */
export interface SimulatedProcessInfo {
  readonly pid: number;
  readonly command: string;
  /** 1 for the first spawn of this command, 2 for the second, … */
  readonly attempt: number;
  readonly state: SimulatedProcessState;
  readonly grandchildrenAlive: number;
  readonly endpoint: Endpoint | undefined;
  readonly spawnedAt: number;
  readonly exitedAt: number | undefined;
  readonly exit: ProcessExitStatus | undefined;
  /** Signals received, in order, including those after it exited. */
  readonly signals: readonly string[];
}

/**
 * A `ProcessHost` whose processes are scripts on a simulated clock: each command gets a
 * behaviour (`define`), and faults can be injected at any moment (`crash`, `kill`,
 * `hangOnStop`, `nextSpawn`, `collideNextPorts`). It keeps a live table of every process it
 * started (`processes`, `alive()`) so invariants can prove that nothing outlives a stop.
 * stdout and stderr are real streams, and an exit is reported only after both have ended, as
 * the real host does.
 *
 * @example
 * const host = new SimulatedProcessHost({ clock });
 * host.define('node', ({ attempt }) => (attempt === 3 ? { neverListens: true } : { readyAfter: 50 }));
 */
export class SimulatedProcessHost implements ProcessHost {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #trace: (line: string) => void;
  readonly #defaultScript: ProcessScript;
  readonly #killsGroupOnExit: boolean;
  readonly #behaviours = new Map<string, ProcessBehaviour>();
  readonly #attempts = new Map<string, number>();
  readonly #processes: SimulatedProcess[] = [];
  readonly #takenPorts = new Set<number>();
  readonly #overrides: { command: string | undefined; script: ProcessScript }[] = [];
  readonly #sockets = new Map<number, Endpoint>();
  #nextPid: number;
  #nextPort: number;
  #collisions = 0;
  #nextFd = 3;
  #socketCount = 0;
  #probes = 0;

  constructor(options: SimulatedProcessHostOptions) {
    this.#clock = options.clock;
    this.#random = options.random ?? seededRandom(0);
    this.#trace = options.trace ?? (() => {});
    this.#defaultScript = options.defaultScript ?? { readyAfter: 10 };
    this.#killsGroupOnExit = options.killsGroupOnExit ?? true;
    this.#nextPid = options.firstPid ?? 1000;
    this.#nextPort = options.firstPort ?? 20_000;
  }

  /** Sets how processes of `command` (the spec's `command`, i.e. `processPath`) behave. */
  define(command: string, behaviour: ProcessBehaviour): this {
    this.#behaviours.set(command, behaviour);
    return this;
  }

  /** Overrides parts of the script of the next spawn (of `command`, or of any command). */
  nextSpawn(script: ProcessScript, command?: string): this {
    this.#overrides.push({ command, script });
    return this;
  }

  /** The next `count` ports handed out are already taken by another program: the backend fails with EADDRINUSE. */
  collideNextPorts(count = 1): this {
    this.#collisions += count;
    return this;
  }

  /** Makes `port` taken by another program. */
  occupyPort(port: number): this {
    this.#takenPorts.add(port);
    return this;
  }

  /** The process exits unasked with `code`, writing `stderr` first. No-op if it is gone. */
  crash(pid: number, code = 1, stderr?: string): void {
    const process = this.#find(pid);
    if (process?.alive) this.#trace(`crash pid=${pid} code=${code}`);
    process?.crash(code, stderr);
  }

  /** A signal from outside Portico (an operator, the OOM killer). */
  kill(pid: number, signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT' = 'SIGKILL'): void {
    this.#find(pid)?.signal(signal);
  }

  /** From now on the process ignores SIGTERM: stopping it takes SIGKILL after `shutdownTimeLimit`. */
  hangOnStop(pid: number): void {
    const process = this.#find(pid);
    if (process?.alive) {
      process.ignoresSigterm = true;
      this.#trace(`hang-on-stop pid=${pid}`);
    }
  }

  /** Every process started so far, in spawn order (a snapshot). */
  get processes(): readonly SimulatedProcessInfo[] {
    return this.#processes.map(info);
  }

  /** Processes that still run, or left grandchildren that do. */
  alive(): readonly SimulatedProcessInfo[] {
    return this.#processes.filter((p) => p.alive || p.grandchildren > 0).map(info);
  }

  /** The row for `pid`, if this host started it. */
  process(pid: number): SimulatedProcessInfo | undefined {
    const found = this.#find(pid);
    return found && info(found);
  }

  /** How many times `command` was spawned. */
  spawnCount(command: string): number {
    return this.#attempts.get(command) ?? 0;
  }

  /** How many readiness probes were answered (either way). */
  get probeCount(): number {
    return this.#probes;
  }

  /** Listen sockets bound with `bindListenSocket` and not closed yet. */
  get openListenSockets(): readonly Endpoint[] {
    return [...this.#sockets.values()];
  }

  spawn(spec: ProcessSpec, events: ProcessEvents): ProcessHandle {
    const attempt = (this.#attempts.get(spec.command) ?? 0) + 1;
    this.#attempts.set(spec.command, attempt);
    const pid = this.#nextPid++;
    const behaviour = this.#behaviours.get(spec.command) ?? this.#defaultScript;
    let script = typeof behaviour === 'function' ? behaviour({ spec, attempt, pid, random: this.#random }) : behaviour;
    const override = this.#overrides.findIndex((o) => o.command === undefined || o.command === spec.command);
    if (override >= 0) {
      script = { ...script, ...this.#overrides[override]!.script };
      this.#overrides.splice(override, 1);
    }
    const endpoint = endpointOf(spec);
    // The app names the process for a reader: workers of a tree often run one command (node).
    this.#trace(`spawn ${spec.command}#${attempt}${spec.name === undefined ? '' : ` app=${spec.name}`} pid=${pid}${endpoint?.kind === 'tcp' ? ` port=${endpoint.port}` : ''}`);
    const process = new SimulatedProcess({
      pid,
      command: spec.command,
      attempt,
      endpoint,
      clock: this.#clock,
      events,
      script,
      notify: spec.notify,
      portTaken: endpoint?.kind === 'tcp' && !spec.listenSocket && this.#takenPorts.has(endpoint.port),
      killsGroupOnExit: this.#killsGroupOnExit,
      trace: this.#trace,
    });
    this.#processes.push(process);
    return { pid, stdout: process.stdout, stderr: process.stderr, signal: (signal) => process.signal(signal) };
  }

  async allocatePort(): Promise<number> {
    const port = this.#nextPort++;
    if (this.#collisions > 0) {
      this.#collisions--;
      this.#takenPorts.add(port);
      this.#trace(`port ${port} is taken by another program`);
    }
    return port;
  }

  async allocateSocketPath(name: string): Promise<string> {
    return `/simulated/${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${++this.#socketCount}.sock`;
  }

  async bindListenSocket(endpoint: Endpoint): Promise<ListenSocket> {
    const bound: Endpoint = endpoint.kind === 'tcp' && endpoint.port === 0 ? { ...endpoint, port: this.#nextPort++ } : endpoint;
    const fd = this.#nextFd++;
    this.#sockets.set(fd, bound);
    let closed: Promise<void> | undefined;
    return {
      endpoint: bound,
      fd,
      close: () => (closed ??= Promise.resolve().then(() => void this.#sockets.delete(fd))),
    };
  }

  async probe(endpoint: Endpoint, _probe: Probe, pid: number): Promise<boolean> {
    this.#probes++;
    const process = this.#find(pid);
    return process !== undefined && process.answers && sameEndpoint(process.endpoint, endpoint);
  }

  async ping(endpoint: Endpoint): Promise<PingAnswer> {
    // A simulated backend that listens answers; one that stopped listening does not.
    const process = this.#processes.find((p) => p.alive && p.answers && sameEndpoint(p.endpoint, endpoint));
    return process ? { ok: true } : { ok: false, why: 'no answer' };
  }

  async requestShutdown(endpoint: Endpoint): Promise<void> {
    // The ASP.NET Core shutdown request reaches the process listening there, like SIGTERM would.
    const process = this.#processes.find((p) => p.alive && p.answers && sameEndpoint(p.endpoint, endpoint));
    if (process) {
      this.#trace(`shutdown request pid=${process.pid}`);
      process.signal('SIGTERM');
    }
  }

  #find(pid: number): SimulatedProcess | undefined {
    return this.#processes.find((p) => p.pid === pid);
  }
}

function info(process: SimulatedProcess): SimulatedProcessInfo {
  return {
    pid: process.pid,
    command: process.command,
    attempt: process.attempt,
    state: process.state,
    grandchildrenAlive: process.grandchildren,
    endpoint: process.endpoint,
    spawnedAt: process.spawnedAt,
    exitedAt: process.exitedAt,
    exit: process.exit,
    signals: [...process.signals],
  };
}

function endpointOf(spec: ProcessSpec): Endpoint | undefined {
  if (spec.listenSocket) return spec.listenSocket.endpoint;
  if (spec.env.PORTICO_SOCKET) return { kind: 'unix', path: spec.env.PORTICO_SOCKET };
  const port = Number(spec.env.PORTICO_PORT ?? spec.env.PORT);
  return Number.isInteger(port) && port > 0 ? { kind: 'tcp', host: '127.0.0.1', port } : undefined;
}

function sameEndpoint(a: Endpoint | undefined, b: Endpoint): boolean {
  if (!a) return false;
  return a.kind === 'tcp' ? b.kind === 'tcp' && a.port === b.port : b.kind === 'unix' && a.path === b.path;
}
