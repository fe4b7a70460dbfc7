import type { ChildProcess } from 'node:child_process';
import { assign, fromCallback, sendTo, setup, type SnapshotFrom } from 'xstate';

/** What the fleet does for one front: start it (sending its config and routes), and hear it. */
export interface FrontLink {
  /** Starts the process; `listening` is called when it says it serves. */
  spawn(front: number, listening: () => void): ChildProcess;
  exited(front: number, child: ChildProcess, asked: boolean): void;
  /** Asks the front to close its connections and exit (killed if it cannot be asked). */
  close(front: number, child: ChildProcess): void;
}

export interface FrontInput {
  readonly front: number;
  readonly link: FrontLink;
}

type FrontEvent =
  | { type: 'front.listening' }
  | { type: 'front.exited'; code: number | null; signal: string | null }
  | { type: 'portico.shutdown' };

/** Forks the process and reports on it; stopping the actor kills a process still running. */
const frontProcess = fromCallback<{ type: 'close' }, FrontInput>(({ input, sendBack, receive }) => {
  let asked = false;
  const child = input.link.spawn(input.front, () => sendBack({ type: 'front.listening' }));
  child.once('exit', (code, signal) => {
    input.link.exited(input.front, child, asked);
    sendBack({ type: 'front.exited', code, signal });
  });
  receive(() => {
    asked = true;
    input.link.close(input.front, child);
  });
  return () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
});

/**
 * One front process as an actor, supervised like a backend (docs/architecture.md): `starting`
 * until it listens, `serving`, `closing` once asked to stop; an exit it was not asked for ends
 * the actor with a crash, which its supervisor restarts.
 */
export const frontMachine = setup({
  types: { input: {} as FrontInput, context: {} as FrontInput & { asked: boolean; exit?: string }, events: {} as FrontEvent },
  actors: { frontProcess },
}).createMachine({
  id: 'front',
  context: ({ input }) => ({ ...input, asked: false }),
  invoke: { id: 'process', src: 'frontProcess', input: ({ context }) => ({ front: context.front, link: context.link }) },
  initial: 'starting',
  states: {
    starting: { on: { 'front.listening': 'serving' } },
    serving: {},
    closing: { on: { 'front.exited': 'closed' } },
    crashed: { type: 'final' },
    closed: { type: 'final' },
  },
  on: {
    // Asked once: the fleet asks every front at once at its close, and the supervisor then asks each in turn.
    'portico.shutdown': { guard: ({ context }) => !context.asked, target: '.closing', actions: [assign({ asked: true }), sendTo('process', { type: 'close' })] },
    'front.exited': { target: '.crashed', actions: assign({ exit: ({ event }) => (event.signal ? `signal ${event.signal}` : `code ${String(event.code)}`) }) },
  },
  output: ({ context }) => (context.asked ? { exit: 'shutdown' } : { exit: 'crash', error: new Error(`front ${context.front} exited (${context.exit ?? 'unknown'})`) }),
});

export type FrontSnapshot = SnapshotFrom<typeof frontMachine>;
