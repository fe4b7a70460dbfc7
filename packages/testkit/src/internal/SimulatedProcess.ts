import { PassThrough } from 'node:stream';
import type { Clock } from '@portico/supervisor';
import type { Endpoint, ProcessEvents } from '@portico/worker-actor';
import type { ProcessScript } from '../ProcessScript.ts';

export type SimulatedProcessState = 'starting' | 'listening' | 'stopping' | 'exited';

export interface ProcessExitStatus {
  readonly code: number | null;
  readonly signal: string | null;
  readonly error?: Error;
}

/** One simulated process: a small state machine driven by its script and by signals. */
export class SimulatedProcess {
  readonly pid: number;
  readonly command: string;
  readonly attempt: number;
  readonly endpoint: Endpoint | undefined;
  readonly spawnedAt: number;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly signals: string[] = [];
  state: SimulatedProcessState = 'starting';
  grandchildren: number;
  ignoresSigterm: boolean;
  exit: ProcessExitStatus | undefined;
  exitedAt: number | undefined;
  /** True once onExit has been called (streams ended). */
  reported = false;
  readonly #clock: Clock;
  readonly #events: ProcessEvents;
  readonly #script: ProcessScript;
  readonly #trace: (line: string) => void;
  readonly #killsGroupOnExit: boolean;
  readonly #notify: boolean;
  #timers: unknown[] = [];

  constructor(init: {
    pid: number;
    command: string;
    attempt: number;
    endpoint: Endpoint | undefined;
    clock: Clock;
    events: ProcessEvents;
    script: ProcessScript;
    notify: boolean;
    portTaken: boolean;
    killsGroupOnExit: boolean;
    trace: (line: string) => void;
  }) {
    this.pid = init.pid;
    this.command = init.command;
    this.attempt = init.attempt;
    this.endpoint = init.endpoint;
    this.#clock = init.clock;
    this.#events = init.events;
    this.#script = init.script;
    this.#trace = init.trace;
    this.#notify = init.notify;
    this.#killsGroupOnExit = init.killsGroupOnExit;
    this.spawnedAt = init.clock.now();
    this.grandchildren = init.script.leavesGrandchildren ?? 0;
    this.ignoresSigterm = init.script.ignoresSigterm ?? false;
    const script = init.script;
    if (script.spawnError !== undefined) {
      // child_process reports a failed spawn asynchronously, after spawn() has returned.
      queueMicrotask(() => this.die({ code: null, signal: null, error: new Error(`spawn ${this.command} ${script.spawnError}`) }));
      return;
    }
    if (script.stdout) this.stdout.write(script.stdout);
    if (init.portTaken) {
      this.#at(script.readyAfter ?? 10, () => {
        const where = init.endpoint?.kind === 'tcp' ? `${init.endpoint.host}:${init.endpoint.port}` : 'its address';
        this.stderr.write(`Error: listen EADDRINUSE: address already in use ${where}\n`);
        this.die({ code: 1, signal: null });
      });
    } else if (!script.neverListens) {
      this.#at(script.readyAfter ?? 10, () => {
        if (this.state !== 'starting') return;
        this.state = 'listening';
        this.#trace(`listening pid=${this.pid}`);
        if (this.#notify) this.#events.onNotify();
      });
    }
    if (script.crashAt !== undefined) {
      this.#at(script.crashAt, () => this.crash(script.exitCode ?? 1, script.stderr));
    }
  }

  get alive(): boolean {
    return this.state !== 'exited';
  }

  /** Whether it answers a connect: it listens, and still does while shutting down. */
  get answers(): boolean {
    return this.state === 'listening' || (this.state === 'stopping' && this.#wasListening);
  }

  #wasListening = false;

  crash(code: number, stderr?: string): void {
    if (!this.alive) return;
    if (stderr) this.stderr.write(stderr.endsWith('\n') ? stderr : `${stderr}\n`);
    this.die({ code, signal: null });
  }

  signal(signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT'): void {
    this.signals.push(signal);
    if (!this.alive) return;
    this.#trace(`${signal} pid=${this.pid}`);
    if (signal === 'SIGKILL') {
      this.grandchildren = 0;
      this.die({ code: null, signal: 'SIGKILL' });
      return;
    }
    if (this.ignoresSigterm || this.state === 'stopping') return;
    this.#wasListening = this.state === 'listening';
    this.state = 'stopping';
    this.#at(this.#script.stopDelay ?? 5, () => this.die({ code: 0, signal: null }));
  }

  die(status: ProcessExitStatus): void {
    if (!this.alive) return;
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers = [];
    this.state = 'exited';
    this.exit = status;
    this.exitedAt = this.#clock.now();
    const how = status.error ? `error="${status.error.message}"` : status.signal ? `signal=${status.signal}` : `code=${status.code}`;
    this.#trace(`exit pid=${this.pid} ${how}`);
    if (this.grandchildren > 0 && this.#killsGroupOnExit) {
      // As the real host does: what is left in the group would hold the port and the pipes.
      this.#trace(`SIGKILL group of pid=${this.pid}: ${this.grandchildren} grandchildren`);
      this.grandchildren = 0;
    }
    this.stdout.end();
    this.stderr.end();
    const at = this.exitedAt;
    const report = () => {
      this.reported = true;
      this.#events.onExit(status.error ? { code: null, signal: null, error: status.error, at } : { code: status.code, signal: status.signal, at });
    };
    const late = this.#script.reportsExitAfter ?? 0;
    void Promise.all([ended(this.stdout), ended(this.stderr)]).then(() => (late > 0 ? this.#clock.setTimeout(report, late) : report()));
  }

  #at(ms: number, fn: () => void): void {
    this.#timers.push(this.#clock.setTimeout(fn, ms));
  }
}

function ended(stream: PassThrough): Promise<void> {
  if (stream.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    // Nobody reads it (the process was never wired to a capture): drain it, as a closed pipe would be.
    if (stream.readableFlowing !== true) stream.resume();
  });
}
