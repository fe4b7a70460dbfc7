import { loadTlsCredentials, type BoundAddress, type FrontStatusView, type RequestMetrics } from '@portico/listener';
import { logEvent, type EventLogger, type PorticoEventName } from '@portico/log-sink';
import { createSupervisor, stopSupervisor, type Clock, type SupervisorRef } from '@portico/supervisor';
import { OrphanGuard } from '@portico/worker-actor';
import { createActor } from 'xstate';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import { FrontsUnsupportedError } from '../errors.ts';
import type { AppRuntime } from '../runtime/AppRuntime.ts';
import { bindFrontSockets, type FrontSocket } from './bindFrontSockets.ts';
import type { RefusedFrontMessage } from './checkFrontMessage.ts';
import type { ControlMessage, FrontMessage, RoutedApp } from './FrontMessage.ts';
import { FrontHolds } from './FrontHolds.ts';
import { frontMachine, type FrontLink, type FrontSnapshot } from './frontMachine.ts';
import { FrontReports } from './FrontReports.ts';
import { MetricsAsks } from './MetricsAsks.ts';
import { pingFront, type FrontPing } from './pingFront.ts';
import { poolView } from './poolView.ts';
import { frontNodeFlags } from './frontNodeFlags.ts';
import { spawnFront, type FrontProcess } from './spawnFront.ts';

export interface FrontFleetOptions {
  readonly count: number;
  readonly logger: EventLogger;
  readonly clock: Clock;
  /** The environment the fronts run with (an app's `secretEnv` is read from it). */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** The config in force: its listen entries and limits. */
  readonly config: () => PorticoConfig;
  /** The runtimes routed now, in config order. */
  readonly routed: () => readonly AppRuntime[];
  /** The control's request metrics: each front's counters are added to them. */
  readonly metrics: RequestMetrics;
  /** Told when a front starts serving or exits, for status listeners. */
  readonly onChange?: () => void;
  /** Told when the fronts exited too often and are no longer restarted (`front.gave_up`): none serves any more. */
  readonly onGaveUp?: () => void;
}

/** The control process's side of the fronts (docs/architecture.md, One control process, several fronts). */
export interface FrontFleet {
  /** Binds the listen entries and starts every front; resolves once each one listens. */
  start(): Promise<BoundAddress[]>;
  /** Sends the runtime's pool to the fronts on every change, until `untrack`. */
  track(runtime: AppRuntime): void;
  untrack(runtime: AppRuntime): void;
  /**
   * The routed apps changed (a reload, a restart's rollout) or the limits did: every front
   * switches; resolves once each running front routes by them (or has exited).
   */
  publishRoutes(): Promise<void>;
  /**
   * Portico's stop has begun: every front's router drains (`Router.drain`: the requests waiting
   * for a worker are answered 503, and no app starts for a request), those started from now on
   * too, as the control's own router does at once; the fronts accept until `stopAccepting`.
   */
  drain(): void;
  /**
   * Every front drains (`drain`), stops accepting and drains its connections (`Forwarder.drain`), as one process
   * does at its stop, and then the control closes its sockets: a new connection is refused. What
   * is in flight goes on.
   */
  stopAccepting(): Promise<void>;
  /** Stops the fronts (their connections close) and releases the sockets. Idempotent. */
  close(): Promise<void>;
  /**
   * Asks every running front for its figures now (`metrics.ask`), for `/status` and `/metrics`:
   * resolves once `reports` holds each one's answer, or a second after the ask (`MetricsAsks`).
   */
  refresh(): Promise<void>;
  /**
   * The control dropped `app`'s request series (a reload removed it, and it has drained): every
   * front drops its own (`series.drop`), so that what a front keeps does not grow with every app
   * name it ever served, and a re-added app starts from zero, as in one process.
   */
  dropSeries(app: string): void;
  /** What the fronts said they see: waiting requests, requests in flight, connections. */
  readonly reports: FrontReports;
  status(): FrontStatusView[];
}

const eventLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** Restarts of fronts allowed within 60 s before they are given up: a front that cannot start is a bug, not load. */
const frontIntensity = 10;

/**
 * Seconds a front has at Portico's stop, once to stop accepting and once to close its connections
 * and exit, before it is killed: the one limit of every front at each step, not one each in turn.
 */
const frontShutdown = 10;

export function createFrontFleet(options: FrontFleetOptions): FrontFleet {
  const { logger } = options;
  const holds = new FrontHolds();
  const children = new Map<number, FrontProcess>();
  const pings = new Map<number, FrontPing>();
  const listeningCallbacks = new Map<number, () => void>();
  const tracked = new Map<string, { readonly runtime: AppRuntime; readonly off: () => void }>();
  const reports = new FrontReports();
  const orphans = new OrphanGuard();
  let sockets: FrontSocket[] = [];
  let supervisor: SupervisorRef | undefined;
  let closing: Promise<void> | undefined;
  /** Set while `start()` waits: a front that fails before it listens fails the start. */
  let starting: { listening: Set<number>; resolve: () => void; reject: (error: Error) => void } | undefined;
  const acceptStopped = new Map<number, () => void>();
  /**
   * `stopAccepting` was called: a front started from now on (a restart in the stop) is given no
   * socket, listens on nothing and drains from its start (`init`'s `stopping`).
   */
  let acceptStopping = false;
  /** `drain` was called: no pool starts for a front's request, and a front started from now on is told to drain. */
  let draining = false;
  /** Messages refused of each front (`checkFrontMessage`), over its restarts, as its restarts are counted. */
  const refusedCounts = new Map<number, number>();
  /** The types of message refused of each front's running process: each is logged once a process. */
  const refusedLogged = new Map<number, Set<string>>();
  /** Why Portico killed a front, until its exit: a start that fails on it says so. */
  const killedFor = new Map<number, string>();

  // After the front's actor has seen the same message or exit, so status shows its new state.
  const changed = () => setImmediate(() => options.onChange?.());

  // An event of a level the logger drops (auth.succeeded is debug, one per request) is not sent at all.
  const enabled = (logger as Partial<{ isLevelEnabled(level: string): boolean }>).isLevelEnabled;
  const logLevels = eventLevels.filter((level) => enabled?.call(logger, level) ?? true);
  const live = (child: FrontProcess) => child.child.exitCode === null && child.child.signalCode === null;
  // A front that has just died is restarted and sent everything afresh.
  const send = (child: FrontProcess, message: ControlMessage): void => child.send(message);
  const asks = new MetricsAsks(options.clock, (front, id) => {
    const child = children.get(front);
    if (child) send(child, { type: 'metrics.ask', id });
  });

  /** Pings a front from its start (`frontPing`); one that stays silent is killed, and restarted as a crash. */
  const startPing = (front: number, child: FrontProcess): void => {
    pings.get(front)?.stop();
    const ping = pingFront({
      clock: options.clock,
      interval: () => options.config().frontPing.interval * 1000,
      responseTime: () => options.config().frontPing.responseTime * 1000,
      ping: (id) => send(child, { type: 'ping', id }),
      unresponsive: (silentMs) => {
        const { responseTime } = options.config().frontPing;
        logEvent(logger, 'front.unresponsive', { front, frontPid: child.child.pid, silentMs: Math.round(silentMs), responseTime });
        killedFor.set(front, `killed by Portico: it answered no ping for ${(silentMs / 1000).toFixed(1)} s (frontPing.responseTime ${responseTime} s; more for a starting front, docs/config.md)`);
        child.child.kill('SIGKILL');
      },
      notListening: (startedMs) => {
        logEvent(logger, 'front.start_hung', { front, frontPid: child.child.pid, startedMs: Math.round(startedMs) });
        killedFor.set(front, `killed by Portico: it answered its pings but had not listened ${(startedMs / 1000).toFixed(1)} s after its start (its start hung; docs/events.md, front.start_hung)`);
        child.child.kill('SIGKILL');
      },
    });
    pings.set(front, ping);
  };

  const viewFor = (front: number, runtime: AppRuntime) => {
    for (const worker of runtime.pool.ready) holds.hold(front, runtime.key, worker);
    return poolView(runtime.pool, options.clock);
  };

  /** `routes` messages sent and not yet applied, by id: who is still to answer. */
  let routesSent = 0;
  /**
   * The id of the last `routes` sent to each front: one applied after it was never sent, and
   * would answer every `routes` still to come (a reload would take the front for one that routes
   * to the new workers). The ids are the fleet's, so a front's are not consecutive.
   */
  const routesSentTo = new Map<number, number>();
  const routesWaiting = new Map<number, { readonly fronts: Set<number>; readonly resolve: () => void }>();
  const routesApplied = (front: number, id?: number) => {
    for (const [waitId, waiting] of routesWaiting) {
      if (id !== undefined && waitId > id) continue;
      waiting.fronts.delete(front);
      if (waiting.fronts.size > 0) continue;
      routesWaiting.delete(waitId);
      waiting.resolve();
    }
  };

  const routesFor = (front: number, id = ++routesSent): ControlMessage => {
    routesSentTo.set(front, id);
    return {
      type: 'routes',
      id,
      apps: options.routed().map((runtime): RoutedApp => ({ key: runtime.key, config: runtime.config, view: viewFor(front, runtime) })),
      limits: options.config().limits,
    };
  };

  /**
   * Requests a front answered on a worker, added to the worker's own count as the fronts report
   * them (every second): `recycling.requests` sees them, up to a second late.
   */
  const countServed = (key: string, more: number): void => {
    const at = key.lastIndexOf('@');
    const [id, pid] = [key.slice(0, at), Number(key.slice(at + 1))];
    for (const { runtime } of tracked.values()) {
      const worker = runtime.pool.ready.find((w) => w.id === id && w.pid === pid);
      if (!worker) continue;
      const load = worker.load;
      const before = load.served ?? 0;
      load.served = before + more;
      if (load.recycleAt !== undefined && before < load.recycleAt && load.served >= load.recycleAt) load.onRecycleAt?.();
      return;
    }
  };

  /**
   * The pools look at the fronts' reports once every report read in this turn of the event loop
   * is in: after the control process was held up, seconds of each front's reports come at once,
   * and the pools act on the latest, not on each stale one in turn (one that said every worker
   * was busy would start a worker that the next, read in the same moment, shows is not needed).
   */
  let looking = false;
  const poolsToLook = (): void => {
    if (looking) return;
    looking = true;
    setImmediate(() => {
      looking = false;
      for (const { runtime } of tracked.values()) {
        // A request in flight at a front for longer than idleTimeout keeps the app from going idle.
        if (runtime.pool.ready.some((w) => reports.inFlight(w.id, w.pid) > 0)) runtime.pool.noteActivity();
        // An elastic pool grows when every worker is busy, over every front.
        runtime.pool.reportInFlightElsewhere();
      }
    });
  };

  const onMessage = (front: number, message: FrontMessage): void => {
    switch (message.type) {
      case 'listening':
        logEvent(logger, 'front.ready', { front, frontPid: children.get(front)?.child.pid });
        // Its start is over: from now it is held to frontPing.responseTime.
        pings.get(front)?.listened();
        listeningCallbacks.get(front)?.();
        changed();
        starting?.listening.add(front);
        if (starting && starting.listening.size === options.count) starting.resolve();
        return;
      case 'failed':
        starting?.reject(new Error(`front ${front} could not serve: ${message.message}`));
        return;
      case 'pool.start':
        // In the stop no app starts for a request (`Router.drain`); one sent before the front's drain is late.
        if (!draining) void tracked.get(message.key)?.runtime.pool.start();
        return;
      case 'worker.unreachable':
        tracked
          .get(message.key)
          ?.runtime.pool.ready.find((w) => w.id === message.id && w.pid === message.pid)
          ?.notifyUnreachable();
        return;
      case 'worker.idle':
        holds.release(front, message.key, message.id, message.pid);
        return;
      case 'metrics': {
        // Held to this front process's earlier reports: one no front process sends is refused.
        const problem = reports.implausible(front, message);
        if (problem !== undefined) {
          onRefused(front, children.get(front)?.child.pid, { type: 'metrics', problem });
          return;
        }
        options.metrics.setSource(String(front), reports.counters(message));
        for (const [key, more] of reports.received(front, message)) countServed(key, more);
        if (message.id !== undefined) asks.answered(front, message.id);
        poolsToLook();
        return;
      }
      case 'pong':
        pings.get(front)?.answered(message.id);
        return;
      case 'routes.applied': {
        const last = routesSentTo.get(front) ?? 0;
        if (message.id > last) {
          onRefused(front, children.get(front)?.child.pid, { type: 'routes.applied', problem: `id is ${message.id}, not an id the control sent: the last routes it sent this front had id ${last}` });
          return;
        }
        routesApplied(front, message.id);
        return;
      }
      case 'accept.stopped':
        acceptStopped.get(front)?.();
        return;
      case 'log':
        // One of `frontEvents` (checkFrontMessage): catalogued, so logEvent does not throw.
        logEvent(logger, message.event as PorticoEventName, { ...message.fields, front });
        return;
    }
  };

  /**
   * A message of a front that no front sends: dropped, so the figures it would have changed stay
   * as its last good report said, and counted. Logged once per front process and type: a front
   * that sends a bad report every second would otherwise write a line a second for ever.
   */
  let refusalsToTell = false;
  const onRefused = (front: number, frontPid: number | undefined, refused: RefusedFrontMessage): void => {
    refusedCounts.set(front, (refusedCounts.get(front) ?? 0) + 1);
    let logged = refusedLogged.get(front);
    if (!logged) refusedLogged.set(front, (logged = new Set()));
    if (!logged.has(refused.type)) {
      logged.add(refused.type);
      logEvent(logger, 'front.message_refused', { front, frontPid, type: refused.type, problem: refused.problem });
    }
    // Status listeners are told once for every refusal of this turn, not once for each.
    if (refusalsToTell) return;
    refusalsToTell = true;
    setImmediate(() => {
      refusalsToTell = false;
      options.onChange?.();
    });
  };

  const link: FrontLink = {
    spawn(front, listening) {
      const environment = Object.fromEntries(Object.entries(options.environment).filter((e): e is [string, string] => e[1] !== undefined));
      const child: FrontProcess = spawnFront({
        clock: options.clock,
        environment,
        nodeFlags: frontNodeFlags(options.config()),
        // A front started in the stop listens on nothing, and is given nothing: a copy it held
        // would keep a socket open after the control closes its own (`stopAccepting`), and the
        // kernel would go on taking connections that no front accepts.
        sockets: acceptStopping ? [] : sockets,
        orphans,
        onMessage: (message) => onMessage(front, message),
        onRefused: (refused) => onRefused(front, child.child.pid, refused),
        onOverflow: (overflow) => {
          killedFor.set(front, `killed by Portico: its channel passed a bound (${overflow.reason}: ${overflow.reached} against ${overflow.limit})`);
          logEvent(logger, 'front.flooded', { front, frontPid: child.child.pid, ...overflow });
        },
      });
      children.set(front, child);
      listeningCallbacks.set(front, listening);
      send(child, { type: 'init', index: front, config: options.config(), logLevels, seriesDropped: reports.started(front), stopping: acceptStopping });
      send(child, routesFor(front));
      // Its router drains from its first routes; one started in the stop was told so in init.
      if (draining && !acceptStopping) send(child, { type: 'drain' });
      // From its start: a front that hangs before it listens is found as well (it answers once it
      // has loaded its code and read init and routes, sent before the ping; until it listens it
      // is held to the starting limit, pingFront).
      startPing(front, child);
      return child.child;
    },
    close(front, child) {
      const running = children.get(front);
      if (running?.child === child && live(running)) running.send({ type: 'close' });
      else child.kill('SIGKILL');
    },
    exited(front, child, asked) {
      if (children.get(front)?.child === child) {
        children.delete(front);
        listeningCallbacks.delete(front);
        pings.get(front)?.stop();
        pings.delete(front);
      }
      holds.releaseAll(front);
      reports.forget(front);
      refusedLogged.delete(front);
      asks.gone(front);
      options.metrics.retireSource(String(front));
      // A front that exited waits for nothing; its successor gets the routes in force.
      routesApplied(front);
      acceptStopped.get(front)?.();
      if (!asked && closing === undefined) logEvent(logger, 'front.exited', { front, frontPid: child.pid, code: child.exitCode, signal: child.signalCode });
      changed();
      const killed = killedFor.get(front);
      killedFor.delete(front);
      if (starting && !starting.listening.has(front)) {
        starting.reject(new Error(`front ${front} exited before it listened (${child.signalCode ?? `code ${child.exitCode}`}${killed ? `, ${killed}` : ''})`));
      }
    },
  };

  const fleet: FrontFleet = {
    reports,
    refresh: () => asks.ask([...children].filter(([, child]) => live(child)).map(([front]) => front)),
    async start() {
      const config = options.config();
      // A TLS file that cannot be read fails here, with its own error, as it does in one process.
      for (const entry of config.listen) if (entry.tls) await loadTlsCredentials(entry.tls);
      sockets = await bindFrontSockets(config.listen);
      if (sockets.some((socket) => socket.handle.fd < 0)) {
        // Windows: a socket has no file descriptor for a front to inherit (spawnFront).
        for (const socket of sockets) socket.handle.close();
        throw new FrontsUnsupportedError(options.count);
      }
      const listening = new Promise<void>((resolve, reject) => {
        starting = { listening: new Set(), resolve, reject };
      });
      const ref = createActor(
        createSupervisor({
          strategy: 'one_for_one',
          intensity: frontIntensity,
          period: 60,
          backoff: { min: 0.1, max: 5, jitter: 0.2, resetAfter: 30 },
          children: Array.from({ length: options.count }, (_, i) => ({
            id: `front-${i + 1}`,
            logic: frontMachine,
            input: { front: i + 1, link },
            restart: 'permanent' as const,
            // No `ready`: the fronts start side by side; start() waits until every one listens.
            shutdown: frontShutdown,
          })),
        }),
        { clock: options.clock },
      );
      supervisor = ref;
      ref.on('supervisor.gave_up', (event) => {
        logEvent(logger, 'front.gave_up', { restarts: event.restarts });
        options.onGaveUp?.();
      });
      ref.start();
      try {
        await listening;
      } finally {
        starting = undefined;
      }
      return sockets.map((s) => ({ proto: s.proto, host: s.host, port: s.port }));
    },
    track(runtime) {
      if (tracked.has(runtime.key)) return;
      const off = runtime.pool.onChange(() => {
        for (const [front, child] of children) send(child, { type: 'pool', key: runtime.key, view: viewFor(front, runtime) });
      });
      runtime.pool.readLoadElsewhere(reports);
      tracked.set(runtime.key, { runtime, off });
    },
    dropSeries(app) {
      const id = reports.dropSeries(app);
      for (const child of children.values()) send(child, { type: 'series.drop', id, app });
    },
    untrack(runtime) {
      tracked.get(runtime.key)?.off();
      tracked.delete(runtime.key);
      for (const child of children.values()) send(child, { type: 'pool.closed', key: runtime.key });
    },
    publishRoutes() {
      const id = ++routesSent;
      const running = [...children].filter(([, child]) => live(child));
      if (running.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        routesWaiting.set(id, { fronts: new Set(running.map(([front]) => front)), resolve });
        for (const [front, child] of running) send(child, routesFor(front, id));
      });
    },
    drain() {
      if (draining) return;
      draining = true;
      for (const child of children.values()) if (live(child)) child.send({ type: 'drain' });
    },
    async stopAccepting() {
      draining = true;
      acceptStopping = true;
      const asked = options.clock.now();
      const answered = Promise.all(
        [...children].map(
          ([front, child]) =>
            new Promise<void>((resolve) => {
              if (!live(child)) return resolve();
              acceptStopped.set(front, () => {
                acceptStopped.delete(front);
                resolve();
              });
              child.send({ type: 'accept.stop' });
            }),
        ),
      );
      // A front that does not answer (its event loop blocked, the process stopped) held the stop
      // until the ping found it, an hour at the schema's bound: those still silent at the fronts'
      // one limit are killed together, as at their close, and the stop goes on (an exit answers
      // for its front; restarted, a front listens on nothing, init's stopping). After the channels
      // are read (setImmediate): a control held up past the limit has answers waiting in them.
      const deadline = options.clock.setTimeout(() => {
        setImmediate(() => {
          const waitedMs = Math.round(options.clock.now() - asked);
          for (const front of acceptStopped.keys()) {
            const child = children.get(front)?.child;
            logEvent(logger, 'front.stop_hung', { front, frontPid: child?.pid, waitedMs });
            child?.kill('SIGKILL');
          }
        });
      }, frontShutdown * 1000);
      await answered;
      options.clock.clearTimeout(deadline);
      // The control's copies of the sockets are all that keeps them open now: the kernel would go
      // on taking connections into their queue, which no front accepts from, until the stop's end
      // reset them, requests and all. Closed, a new connection is refused at once, as one process
      // refuses it once its listener has stopped accepting.
      const bound = sockets;
      sockets = [];
      for (const socket of bound) socket.handle.close();
    },
    close() {
      closing ??= (async () => {
        if (supervisor) {
          const stopped = stopSupervisor(supervisor);
          // The supervisor stops its children one after another, each within its shutdown limit:
          // N fronts slow to close took N limits. Every front is asked at once (the supervisor's
          // turn for each finds it stopping or gone), and those still running at the limit are killed.
          for (const child of supervisor.getSnapshot().children) child.ref?.send({ type: 'portico.shutdown' });
          const deadline = options.clock.setTimeout(() => {
            for (const running of children.values()) running.child.kill('SIGKILL');
          }, frontShutdown * 1000);
          await stopped;
          options.clock.clearTimeout(deadline);
        }
        for (const socket of sockets) socket.handle.close();
        for (const { off } of tracked.values()) off();
        tracked.clear();
        // Every front has exited: the guard has nothing left to kill, and ends.
        orphans.close();
      })();
      return closing;
    },
    status() {
      const snapshot = supervisor?.getSnapshot();
      return Array.from({ length: options.count }, (_, i) => {
        const child = snapshot?.children.find((c) => c.id === `front-${i + 1}`);
        const state = child?.ref ? String((child.ref.getSnapshot() as FrontSnapshot).value) : 'stopped';
        return { front: i + 1, pid: children.get(i + 1)?.child.pid, state, restarts: child?.restarts ?? 0, connections: reports.byFront().get(i + 1)?.connections ?? 0, refusedMessages: refusedCounts.get(i + 1) ?? 0, unansweredAsks: asks.unanswered(i + 1) };
      });
    },
  };
  return fleet;
}
