import { loadTlsCredentials } from '@portico/listener';
import { logEvent, type PorticoEventName } from '@portico/log-sink';
import { createSupervisor, stopSupervisor, type SupervisorRef } from '@portico/supervisor';
import { OrphanGuard } from '@portico/worker-actor';
import { createActor } from 'xstate';
import { FrontsUnsupportedError } from '../errors.ts';
import type { AppRuntime } from '../runtime/AppRuntime.ts';
import { AcceptStops } from './AcceptStops.ts';
import { bindFrontSockets, type FrontSocket } from './bindFrontSockets.ts';
import type { FrontFleet, FrontFleetOptions } from './FrontFleet.ts';
import type { ControlMessage, FrontMessage } from './FrontMessage.ts';
import { FrontHolds } from './FrontHolds.ts';
import { frontMachine, type FrontLink, type FrontSnapshot } from './frontMachine.ts';
import { FrontPings } from './FrontPings.ts';
import { FrontRefusals } from './FrontRefusals.ts';
import { FrontReports } from './FrontReports.ts';
import { FrontRoutes } from './FrontRoutes.ts';
import { MetricsAsks } from './MetricsAsks.ts';
import { frontNodeFlags } from './frontNodeFlags.ts';
import { PoolFeed } from './PoolFeed.ts';
import { spawnFront, type FrontProcess } from './spawnFront.ts';

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
  const listeningCallbacks = new Map<number, () => void>();
  const tracked = new Map<string, { readonly runtime: AppRuntime; readonly off: () => void }>();
  const reports = new FrontReports();
  const orphans = new OrphanGuard();
  let sockets: FrontSocket[] = [];
  let supervisor: SupervisorRef | undefined;
  let closing: Promise<void> | undefined;
  /** Set while `start()` waits: a front that fails before it listens fails the start. */
  let starting: { listening: Set<number>; resolve: () => void; reject: (error: Error) => void } | undefined;
  const shutdown = options.limits?.shutdown ?? frontShutdown;
  const acceptStops = new AcceptStops(options.clock, logger, shutdown * 1000);
  /**
   * `stopAccepting` was called: a front started from now on (a restart in the stop) is given no
   * socket, listens on nothing and drains from its start (`init`'s `stopping`).
   */
  let acceptStopping = false;
  /** `drain` was called: no pool starts for a front's request, and a front started from now on is told to drain. */
  let draining = false;
  const refusals = new FrontRefusals(logger, options.onChange);
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

  const startLimit = options.limits?.start;
  const pings = new FrontPings(
    options.clock,
    options.config,
    logger,
    (front, child, why) => {
      killedFor.set(front, why);
      child.child.kill('SIGKILL');
    },
    startLimit === undefined ? undefined : startLimit * 1000,
  );
  const routes = new FrontRoutes(holds, options.clock, options.config, options.routed);
  const poolFeed = new PoolFeed(() => [...tracked.values()].map(({ runtime }) => runtime), reports);

  const onMessage = (front: number, message: FrontMessage): void => {
    switch (message.type) {
      case 'listening':
        logEvent(logger, 'front.ready', { front, frontPid: children.get(front)?.child.pid });
        pings.listened(front);
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
          refusals.refused(front, children.get(front)?.child.pid, { type: 'metrics', problem });
          return;
        }
        options.metrics.setSource(String(front), reports.counters(message));
        for (const [key, more] of reports.received(front, message)) poolFeed.served(key, more);
        if (message.id !== undefined) asks.answered(front, message.id);
        poolFeed.look();
        return;
      }
      case 'pong':
        pings.answered(front, message.id);
        return;
      case 'routes.applied': {
        const problem = routes.problemOf(front, message.id);
        if (problem !== undefined) {
          refusals.refused(front, children.get(front)?.child.pid, { type: 'routes.applied', problem });
          return;
        }
        routes.applied(front, message.id);
        return;
      }
      case 'accept.stopped':
        acceptStops.stopped(front);
        return;
      case 'log':
        // One of `frontEvents` (checkFrontMessage): catalogued, so logEvent does not throw.
        logEvent(logger, message.event as PorticoEventName, { ...message.fields, front });
        return;
    }
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
        onRefused: (refused) => refusals.refused(front, child.child.pid, refused),
        onOverflow: (overflow) => {
          killedFor.set(front, `killed by Portico: its channel passed a bound (${overflow.reason}: ${overflow.reached} against ${overflow.limit})`);
          logEvent(logger, 'front.flooded', { front, frontPid: child.child.pid, ...overflow });
        },
      });
      children.set(front, child);
      listeningCallbacks.set(front, listening);
      send(child, { type: 'init', index: front, config: options.config(), subrequestMark: options.subrequestMark, logLevels, seriesDropped: reports.started(front), stopping: acceptStopping });
      send(child, routes.routesFor(front));
      // Its router drains from its first routes; one started in the stop was told so in init.
      if (draining && !acceptStopping) send(child, { type: 'drain' });
      // From its start: a front that hangs before it listens is found as well (it answers once it
      // has loaded its code and read init and routes, sent before the ping; until it listens it
      // is held to the starting limit, pingFront).
      pings.start(front, child);
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
        pings.stop(front);
      }
      holds.releaseAll(front);
      reports.forget(front);
      refusals.exited(front);
      asks.gone(front);
      options.metrics.retireSource(String(front));
      // A front that exited waits for nothing; its successor gets the routes in force.
      routes.applied(front);
      acceptStops.stopped(front);
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
            shutdown,
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
        for (const [front, child] of children) send(child, { type: 'pool', key: runtime.key, view: routes.viewFor(front, runtime) });
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
    publishRoutes: () => routes.publish([...children].filter(([, child]) => live(child))),
    drain() {
      if (draining) return;
      draining = true;
      for (const child of children.values()) if (live(child)) child.send({ type: 'drain' });
    },
    async stopAccepting() {
      draining = true;
      acceptStopping = true;
      await acceptStops.ask(children, live);
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
          }, shutdown * 1000);
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
        return { front: i + 1, pid: children.get(i + 1)?.child.pid, state, restarts: child?.restarts ?? 0, connections: reports.byFront().get(i + 1)?.connections ?? 0, refusedMessages: refusals.count(i + 1), unansweredAsks: asks.unanswered(i + 1) };
      });
    },
  };
  return fleet;
}
