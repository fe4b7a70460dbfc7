import type { PorticoError } from '@portico/errors';
import type { AnyActorRef } from 'xstate';

/**
 * Why a command on a child was refused, in OTP's words where OTP has one:
 * `already_started` (the id has a live child), `already_present` (the id has a spec but no live
 * child: restart or delete it), `not_found`, `running` (it must be terminated first),
 * `restarting` (it waits out its backoff), `start_failed` (its start threw, errored, exited or was
 * stopped before it was ready; nothing changed), `invalid_spec`, `not_running` (the supervisor is
 * stopping or has ended).
 */
export type ChildCommandFailure =
  | 'already_started'
  | 'already_present'
  | 'not_found'
  | 'running'
  | 'restarting'
  | 'start_failed'
  | 'invalid_spec'
  | 'not_running';

/**
 * What `startChild`, `restartChild`, `terminateChild` and `deleteChild` resolve to: ok with the
 * child's live actor (none after a terminate or delete), or the failure and a coded error that
 * says what to do. They never reject.
 *
 * @example
 * const result = await startChild(supervisor, spec);
 * if (!result.ok && result.failure === 'already_present') await restartChild(supervisor, spec.id);
 */
export type ChildCommandResult =
  | { readonly ok: true; readonly id: string; readonly ref: AnyActorRef | undefined }
  | {
      readonly ok: false;
      readonly id: string;
      readonly failure: ChildCommandFailure;
      readonly error: PorticoError;
      /** The live child, when there is one: with `already_started`, `running`. */
      readonly ref?: AnyActorRef;
    };
