import type { ActorLogic, Snapshot } from 'xstate';

export interface TestChildInput {
  /** Its name in the log. */
  readonly name: string;
  /** Where it records its life: `start:NAME`, `shutdown:NAME` (graceful stop), `kill:NAME` (stopped outright). */
  readonly log: string[];
  /** Obeys `portico.shutdown` (default) or ignores it, so it must be stopped outright after its shutdown time. */
  readonly graceful?: boolean;
  /**
   * Asked at each start (every incarnation): true makes that start throw, a start failure, which
   * a supervisor counts as a crash of the child (docs/supervisor.md). Default: every start works.
   */
  readonly startFails?: () => boolean;
}

export type TestChildEvent =
  | { readonly type: 'test.crash' }
  | { readonly type: 'test.exit' }
  | { readonly type: 'test.exit_shutdown' }
  | { readonly type: 'portico.shutdown' }
  | { readonly type: 'xstate.stop' };

export type TestChildSnapshot = Snapshot<unknown> & { readonly input: TestChildInput };

/**
 * A supervision-tree child that does nothing on its own: a test drives it with events.
 * `test.crash` makes it throw (a crash), `test.exit` ends it normally, `test.exit_shutdown` ends
 * it with a shutdown exit. It logs every start and stop, so stop order and leaks can be checked;
 * `startFails` makes chosen starts fail.
 *
 * @example
 * createSupervisor({ children: [{ id: 'a', logic: testChild, input: { name: 'a', log } }] })
 */
export const testChild: ActorLogic<TestChildSnapshot, TestChildEvent, TestChildInput> = {
  getInitialSnapshot: (scope, input) => {
    // Without it, the start failed with "Cannot read properties of undefined (reading 'log')".
    if (typeof input?.name !== 'string' || !Array.isArray(input.log)) {
      const id = scope.self.id.replace(/#\d+$/, '');
      throw new TypeError(`testChild needs an input { name, log: string[] }: give the child spec input: { name: '${id}', log } (log: an array you read)`);
    }
    if (input.startFails?.()) throw new Error(`${input.name} failed to start`);
    input.log.push(`start:${input.name}`);
    return { status: 'active', output: undefined, error: undefined, input };
  },
  transition: (snapshot, event) => {
    const { input } = snapshot;
    switch (event.type) {
      case 'test.crash':
        throw new Error(`${input.name} crashed`);
      case 'test.exit':
        input.log.push(`exit:${input.name}`);
        return { input, status: 'done', output: undefined, error: undefined };
      case 'test.exit_shutdown':
        input.log.push(`exit:${input.name}`);
        return { input, status: 'done', output: { exit: 'shutdown' }, error: undefined };
      case 'portico.shutdown':
        if (input.graceful === false) return snapshot;
        input.log.push(`shutdown:${input.name}`);
        return { input, status: 'done', output: { exit: 'shutdown' }, error: undefined };
      case 'xstate.stop':
        input.log.push(`kill:${input.name}`);
        return { input, status: 'stopped', output: undefined, error: undefined };
    }
  },
  getPersistedSnapshot: (snapshot) => snapshot,
};
