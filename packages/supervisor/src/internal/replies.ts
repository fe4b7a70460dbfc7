import { describeExit, type ExitReason } from '../ExitReason.ts';
import type { ChildCommand } from '../SupervisorEvent.ts';
import type { Reply } from './ChildRecord.ts';

/** A command as the runtime receives it: its type and where its answer goes. */
export type Asked = Pick<ChildCommand, 'type' | 'replyTo' | 'requestId'>;

/** Where the answer to `asked` goes; undefined when the sender asked for none. */
export function replyOf(asked: Asked | Reply): Reply | undefined {
  if ('command' in asked) return asked;
  return asked.replyTo ? { replyTo: asked.replyTo, requestId: asked.requestId, command: asked.type } : undefined;
}

/** What a failed start says: the thrown error's message, or how the child ended before it was ready. */
export function startFailure(error: unknown): string {
  if (error instanceof Error) return error.message;
  const exit = error as Partial<ExitReason> | undefined;
  return typeof exit?.kind === 'string' ? `it ended (${describeExit(exit as ExitReason)}) before it was ready` : String(error);
}
