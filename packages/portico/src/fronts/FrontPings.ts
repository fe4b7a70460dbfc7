import { logEvent, type EventLogger } from '@portico/log-sink';
import type { Clock } from '@portico/supervisor';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import { pingFront, type FrontPing } from './pingFront.ts';
import type { FrontProcess } from './spawnFront.ts';

/**
 * The ping of each running front (`frontPing`), from its start: one that stays silent, or answers
 * but has not listened long after its start, is killed with `kill`, and restarted as a crash.
 */
export class FrontPings {
  readonly #clock: Clock;
  readonly #config: () => PorticoConfig;
  readonly #logger: EventLogger;
  readonly #kill: (front: number, child: FrontProcess, why: string) => void;
  readonly #startingResponseTime: number | undefined;
  readonly #pings = new Map<number, FrontPing>();

  /** `startingResponseTime`: ms, default pingFront's (30 s). */
  constructor(clock: Clock, config: () => PorticoConfig, logger: EventLogger, kill: (front: number, child: FrontProcess, why: string) => void, startingResponseTime?: number) {
    this.#clock = clock;
    this.#config = config;
    this.#logger = logger;
    this.#kill = kill;
    this.#startingResponseTime = startingResponseTime;
  }

  start(front: number, child: FrontProcess): void {
    this.#pings.get(front)?.stop();
    const logger = this.#logger;
    const ping = pingFront({
      clock: this.#clock,
      interval: () => this.#config().frontPing.interval * 1000,
      responseTime: () => this.#config().frontPing.responseTime * 1000,
      ...(this.#startingResponseTime === undefined ? {} : { startingResponseTime: this.#startingResponseTime }),
      ping: (id) => child.send({ type: 'ping', id }),
      unresponsive: (silentMs) => {
        const { responseTime } = this.#config().frontPing;
        logEvent(logger, 'front.unresponsive', { front, frontPid: child.child.pid, silentMs: Math.round(silentMs), responseTime });
        this.#kill(front, child, `killed by Portico: it answered no ping for ${(silentMs / 1000).toFixed(1)} s (frontPing.responseTime ${responseTime} s; more for a starting front, docs/config.md)`);
      },
      notListening: (startedMs) => {
        logEvent(logger, 'front.start_hung', { front, frontPid: child.child.pid, startedMs: Math.round(startedMs) });
        this.#kill(front, child, `killed by Portico: it answered its pings but had not listened ${(startedMs / 1000).toFixed(1)} s after its start (its start hung; docs/events.md, front.start_hung)`);
      },
    });
    this.#pings.set(front, ping);
  }

  /** `front` listens: its start is over, and from now it is held to `frontPing.responseTime`. */
  listened(front: number): void {
    this.#pings.get(front)?.listened();
  }

  answered(front: number, id: number): void {
    this.#pings.get(front)?.answered(id);
  }

  stop(front: number): void {
    this.#pings.get(front)?.stop();
    this.#pings.delete(front);
  }
}
