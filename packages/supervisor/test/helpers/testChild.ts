import type { ActorLogic, Snapshot } from 'xstate';

export interface TestChildInput {
  /** Where the child records its life: `start:NAME`, `shutdown:NAME`, `kill:NAME`. */
  readonly log: string[];
  readonly name: string;
  /** Whether it obeys `portico.shutdown` (default) or ignores it and must be stopped outright. */
  readonly graceful?: boolean;
  /** Throw while starting. */
  readonly failStart?: boolean;
  /** Becomes ready only on a `ready` event; before, `snapshot.ready` is false. */
  readonly startsUnready?: boolean;
  /** Obeys `portico.shutdown` only by killing what it runs (a backend that ignored SIGTERM), and says why. */
  readonly killedOnShutdown?: string;
}

export type TestChildSnapshot = Snapshot<unknown> & { readonly ready: boolean };
export type TestChildEvent =
  | { type: 'crash' }
  | { type: 'exit' }
  | { type: 'exit_shutdown' }
  | { type: 'ready' }
  | { type: 'portico.shutdown' }
  | { type: 'xstate.stop' };

/**
 * A child whose life a test drives by events: `crash` throws, `exit` finishes normally,
 * `exit_shutdown` finishes with a shutdown output, `ready` marks it ready.
 */
export const testChild: ActorLogic<TestChildSnapshot, TestChildEvent, TestChildInput> = {
  getInitialSnapshot: (_scope, input) => {
    if (input.failStart) throw new Error(`${input.name} cannot start`);
    input.log.push(`start:${input.name}`);
    return { status: 'active', output: undefined, error: undefined, ready: !input.startsUnready, input } as never;
  },
  transition: (snapshot, event) => {
    const { input } = snapshot as unknown as { input: TestChildInput };
    switch (event.type) {
      case 'crash':
        throw new Error(`${input.name} crashed`);
      case 'exit':
        return { ...snapshot, status: 'done', output: undefined } as never;
      case 'exit_shutdown':
        return { ...snapshot, status: 'done', output: { exit: 'shutdown' } } as never;
      case 'ready':
        return { ...snapshot, ready: true };
      case 'portico.shutdown':
        if (input.graceful === false) return snapshot;
        input.log.push(`shutdown:${input.name}`);
        if (input.killedOnShutdown !== undefined) return { ...snapshot, status: 'done', output: { exit: 'shutdown', killed: true, reason: input.killedOnShutdown } } as never;
        return { ...snapshot, status: 'done', output: { exit: 'shutdown' } } as never;
      case 'xstate.stop':
        input.log.push(`kill:${input.name}`);
        return { ...snapshot, status: 'stopped' } as never;
    }
  },
  getPersistedSnapshot: (snapshot) => snapshot,
};
