import type { ChildCommandResult } from './ChildCommandResult.ts';
import type { ChildSpec } from './ChildSpec.ts';
import type { ExitReason } from './ExitReason.ts';

/**
 * What a supervisor emits (`actor.on(type, handler)`) for every decision it takes. The `type` is
 * the event's stable code, for logs, metrics and alerts.
 */
export type SupervisorEmitted =
  | { readonly type: 'supervisor.child_started'; readonly childId: string; readonly incarnation: number }
  | { readonly type: 'supervisor.child_start_failed'; readonly childId: string; readonly error: unknown }
  | {
      readonly type: 'supervisor.child_exited';
      readonly childId: string;
      readonly exit: ExitReason;
      /** True when the supervisor had asked the child to stop. */
      readonly expected: boolean;
      readonly uptimeMs: number;
    }
  | {
      readonly type: 'supervisor.child_restarting';
      readonly childId: string;
      /** The children restarted together: the one that failed, plus siblings by strategy. */
      readonly group: readonly string[];
      readonly delayMs: number;
      readonly attempt: number;
    }
  | {
      readonly type: 'supervisor.child_stopped';
      readonly childId: string;
      /**
       * `graceful`: it ended when asked; `killed`: it ended when asked, but only by killing what it
       * ran (a worker whose backend outlived its shutdownTimeLimit); `timeout`: not ended within
       * its shutdown time, stopped outright; `brutal`: stopped outright without asking; `crashed`:
       * it crashed while being stopped (OTP's shutdown_error).
       */
      readonly how: 'graceful' | 'killed' | 'brutal' | 'timeout' | 'crashed';
      /** Why, for every `how` but `graceful`. */
      readonly reason?: string;
    }
  | {
      readonly type: 'supervisor.gave_up';
      readonly childId: string;
      readonly restarts: number;
      readonly intensity: number;
      readonly period: number;
    }
  | { readonly type: 'supervisor.auto_shutdown'; readonly childId: string }
  | { readonly type: 'supervisor.command_rejected'; readonly command: string; readonly error: unknown }
  | { readonly type: 'supervisor.stopped'; readonly reason: StopReason };

/** Why a supervisor ended: asked to, gave up on its restart intensity, or auto-shutdown. */
export type StopReason = 'shutdown' | 'gave_up' | 'auto_shutdown';

/**
 * The answer to a command that named a `replyTo`: sent to it once the supervisor has decided,
 * with the command's `requestId`, if it had one.
 */
export interface SupervisorCommandAnswer {
  readonly type: 'supervisor.command_answered';
  /** The command's `requestId`; undefined when it had none. */
  readonly requestId: string | undefined;
  readonly command: ChildCommand['type'];
  readonly result: ChildCommandResult;
}

/** Where a command's answer goes: any actor (`self` in a machine), or anything with `send`. */
export interface CommandReplyTarget {
  send(answer: SupervisorCommandAnswer): void;
}

interface Reply {
  /** Receives a `supervisor.command_answered` event once the command is decided. */
  readonly replyTo?: CommandReplyTarget;
  /** Copied into the answer, to tell answers apart. */
  readonly requestId?: string;
}

/** The commands on one child (OTP start_child, with a template's arguments too; terminate_child, restart_child, delete_child). */
export type ChildCommand =
  | ({ readonly type: 'supervisor.start_child'; readonly spec: ChildSpec } & Reply)
  /** A template supervisor's start: a child made from its template with these arguments. */
  | ({ readonly type: 'supervisor.start_template_child'; readonly args: unknown } & Reply)
  | ({ readonly type: 'supervisor.terminate_child'; readonly id: string } & Reply)
  | ({ readonly type: 'supervisor.restart_child'; readonly id: string } & Reply)
  | ({ readonly type: 'supervisor.delete_child'; readonly id: string } & Reply);

/**
 * What a supervisor accepts. The helpers in `supervisorCommands` send these for you and resolve
 * to the answer; a machine can send them itself with `replyTo: self` and receive the
 * `supervisor.command_answered` event. A refused command is also emitted as
 * `supervisor.command_rejected`.
 */
export type SupervisorCommand =
  | ChildCommand
  /** Stop every child in reverse start order, each within its shutdown time, then end. */
  | { readonly type: 'portico.shutdown' };
