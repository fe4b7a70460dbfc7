import fc from 'fast-check';
import type { SimulatedProcessHost } from './SimulatedProcessHost.ts';
import { formatTime, type Simulation } from './Simulation.ts';

/**
 * One fault at simulated time `at` (ms). `target` names a child (a pool's `shop#1`, a tree's
 * worker id); `never-ready` and `port-collision` hit the next process started, whoever it is.
 */
export type Fault =
  | { readonly at: number; readonly kind: 'crash'; readonly target: string; readonly code: number }
  | { readonly at: number; readonly kind: 'kill'; readonly target: string }
  | { readonly at: number; readonly kind: 'hang-on-stop'; readonly target: string }
  | { readonly at: number; readonly kind: 'never-ready' }
  | { readonly at: number; readonly kind: 'port-collision' };

export type FaultKind = Fault['kind'];

/** Faults in time order. Prints (fast-check counterexamples included) one line per fault. */
export type FaultSchedule = readonly Fault[];

/** `t=120ms crash shop#1 code=1`. */
export function formatFault(fault: Fault): string {
  const at = `t=${formatTime(fault.at)}`;
  switch (fault.kind) {
    case 'crash':
      return `${at} crash ${fault.target} code=${fault.code}`;
    case 'kill':
      return `${at} kill ${fault.target} signal=SIGKILL`;
    case 'hang-on-stop':
      return `${at} hang-on-stop ${fault.target}`;
    case 'never-ready':
      return `${at} never-ready (next start)`;
    case 'port-collision':
      return `${at} port-collision (next port)`;
  }
}

/** One line per fault, for reports. */
export function formatSchedule(schedule: FaultSchedule): string {
  return schedule.length === 0 ? '(no faults)' : schedule.map(formatFault).join('\n');
}

/** Gives a schedule the printed form fast-check uses in counterexamples. */
export function printableSchedule(faults: readonly Fault[]): FaultSchedule {
  const sorted = [...faults].sort((a, b) => a.at - b.at);
  Object.defineProperty(sorted, fc.toStringMethod, { value: () => `[\n${formatSchedule(sorted).replace(/^/gm, '  ')}\n]`, enumerable: false });
  return sorted;
}

export interface FaultScheduleConstraints {
  /** Names faults can target. */
  readonly targets: readonly string[];
  /** Faults fall in [0, horizonMs). Default 60 000. */
  readonly horizonMs?: number;
  /** Default 8. */
  readonly maxFaults?: number;
  /** Default every kind. */
  readonly kinds?: readonly FaultKind[];
  /** Exit codes a crash may have. Default 1, 2, 70, 137. */
  readonly exitCodes?: readonly number[];
}

/**
 * Random fault schedules: crashes with exit codes, outside kills, processes that hang on stop,
 * starts that never become ready, port collisions. Shrinks towards fewer, earlier faults.
 *
 * @example
 * fc.asyncProperty(faultScheduleArbitrary({ targets: ['shop#1', 'shop#2'], horizonMs: 30_000 }), async (schedule) => { … })
 */
export function faultScheduleArbitrary(constraints: FaultScheduleConstraints): fc.Arbitrary<FaultSchedule> {
  const { targets, horizonMs = 60_000, maxFaults = 8 } = constraints;
  const kinds = constraints.kinds ?? (['crash', 'kill', 'hang-on-stop', 'never-ready', 'port-collision'] as const);
  const exitCodes = constraints.exitCodes ?? [1, 2, 70, 137];
  if (targets.length === 0) throw new RangeError('faultScheduleArbitrary needs at least one target');
  const at = fc.integer({ min: 0, max: Math.max(0, horizonMs - 1) });
  const target = fc.constantFrom(...targets);
  const byKind: Record<FaultKind, fc.Arbitrary<Fault>> = {
    crash: fc.record({ at, kind: fc.constant('crash' as const), target, code: fc.constantFrom(...exitCodes) }),
    kill: fc.record({ at, kind: fc.constant('kill' as const), target }),
    'hang-on-stop': fc.record({ at, kind: fc.constant('hang-on-stop' as const), target }),
    'never-ready': fc.record({ at, kind: fc.constant('never-ready' as const) }),
    'port-collision': fc.record({ at, kind: fc.constant('port-collision' as const) }),
  };
  return fc.array(fc.oneof(...kinds.map((kind) => byKind[kind])), { maxLength: maxFaults }).map(printableSchedule);
}

/**
 * Applies one fault now. `pidOf` maps a target to the pid of its current process (undefined
 * when it has none, and then the fault does nothing, as a crash of a stopped process would).
 */
export function applyFault(host: SimulatedProcessHost, fault: Fault, pidOf: (target: string) => number | undefined): void {
  switch (fault.kind) {
    case 'never-ready':
      host.nextSpawn({ neverListens: true });
      return;
    case 'port-collision':
      host.collideNextPorts(1);
      return;
    case 'crash': {
      const target = pidOf(fault.target);
      if (target !== undefined) host.crash(target, fault.code);
      return;
    }
    case 'kill': {
      const target = pidOf(fault.target);
      if (target !== undefined) host.kill(target, 'SIGKILL');
      return;
    }
    case 'hang-on-stop': {
      const target = pidOf(fault.target);
      if (target !== undefined) host.hangOnStop(target);
      return;
    }
  }
}

/** Runs the simulation through `schedule`, applying each fault at its time; ends at the last one. */
export async function runFaultSchedule(sim: Simulation, schedule: FaultSchedule, pidOf: (target: string) => number | undefined): Promise<void> {
  for (const fault of schedule) {
    await sim.advanceTo(fault.at);
    sim.note(`fault: ${formatFault(fault).replace(/^t=\S+ /, '')}`);
    applyFault(sim.host, fault, pidOf);
  }
}
