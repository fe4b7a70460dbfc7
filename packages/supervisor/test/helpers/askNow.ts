import assert from 'node:assert/strict';
import type { ChildCommand, ChildCommandFailure, ChildCommandResult, SupervisorRef } from '../../src/index.ts';

/**
 * Sends a child command with a replyTo and returns the answer. Test children start and stop
 * within the command's own transition, so the answer has come by the time `send` returns, and
 * the model-based tests check it against OTP's answer at once.
 */
export function askNow(supervisor: SupervisorRef, command: ChildCommand): ChildCommandResult {
  let answer: ChildCommandResult | undefined;
  supervisor.send({ ...command, replyTo: { send: (event) => (answer = event.result) } });
  assert.ok(answer, `${command.type} was answered at once`);
  return answer;
}

/** `ok`, or the failure OTP names (`not_found`, `running`, …): what the tests compare an answer by. */
export function outcomeOf(result: ChildCommandResult): ChildCommandFailure | 'ok' {
  return result.ok ? 'ok' : result.failure;
}
