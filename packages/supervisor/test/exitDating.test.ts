import assert from 'node:assert/strict';
import { assign, createActor, setup } from 'xstate';
import { clockOf, createSupervisor, SimulatedClock, terminateChild, whichChild, type SupervisorEmitted } from '../src/index.ts';
import { harness } from './helpers/harness.ts';

/**
 * A child that learns of its end before it can report it, as a worker does: its process exits
 * (`exited`), and the child ends `reportAfterMs` later (a worker waits for the process's output
 * to be on disk), with the time it exited in its crash output (or `claim`, a time it makes up).
 */
const lateReporter = setup({
  types: {
    input: {} as { reportAfterMs: number[]; claim?: number },
    context: {} as { reportAfterMs: number; claim: number | undefined; exitedAt: number | undefined },
    events: {} as { type: 'exited' } | { type: 'portico.shutdown' },
  },
  delays: { report: ({ context }) => context.reportAfterMs },
}).createMachine({
  context: ({ input }) => ({ reportAfterMs: input.reportAfterMs.shift() ?? 0, claim: input.claim, exitedAt: undefined }),
  initial: 'running',
  states: {
    running: {
      on: {
        exited: { target: 'reporting', actions: assign({ exitedAt: ({ context, self }) => context.claim ?? clockOf(self.system).now() }) },
        'portico.shutdown': 'stopped',
      },
    },
    reporting: { after: { report: 'crashed' } },
    crashed: { type: 'final' },
    stopped: { type: 'final' },
  },
  output: ({ context }) => (context.exitedAt === undefined ? { exit: 'shutdown' } : { exit: 'crash', error: new Error('exited unasked'), exitedAt: context.exitedAt }),
});

/**
 * A supervisor (intensity 1 in 5 s) of one such child, started at 0; its incarnations report
 * their exits after each of `reportAfterMs` in turn.
 */
function start(reportAfterMs: number[], claim?: number) {
  const clock = new SimulatedClock();
  const emitted: SupervisorEmitted[] = [];
  const input = { reportAfterMs, ...(claim === undefined ? {} : { claim }) };
  const supervisor = createActor(createSupervisor({ intensity: 1, period: 5, children: [{ id: 'w', logic: lateReporter, input }] }), { clock });
  supervisor.on('*', (event) => emitted.push(event));
  supervisor.start();
  const exit = () => whichChild(supervisor, 'w')!.ref!.send({ type: 'exited' });
  return { clock, supervisor, emitted, exit };
}

describe('a child exit reported after it happened', () => {
  it('counts against the restart intensity when it happened, not when the supervisor heard of it', () => {
    const t = start([0, 3_000]);
    t.clock.advance(1_000);
    t.exit(); // at 1 s, reported at once: the first restart
    t.clock.advance(3_000);
    // The second exit, at 4 s, is reported at 7 s: two restarts within 5 s, one more than intensity 1.
    t.exit();
    t.clock.advance(3_000);
    assert.ok(
      t.emitted.some((e) => e.type === 'supervisor.gave_up'),
      `gave up: ${t.emitted.map((e) => e.type).join(', ')}`,
    );
  });

  it('dates lastExit and the uptime when the child exited', () => {
    const t = start([2_500]);
    t.clock.advance(1_000);
    t.exit();
    t.clock.advance(2_500);
    assert.equal(whichChild(t.supervisor, 'w')?.lastExit?.at, 1_000);
    const exited = t.emitted.find((e) => e.type === 'supervisor.child_exited');
    assert.equal(exited?.type === 'supervisor.child_exited' && exited.uptimeMs, 1_000);
  });

  it('takes a time after now as now, and one before the child started as its start', () => {
    for (const [claim, dated] of [
      [9_000, 3_500],
      [-5, 0],
    ] as const) {
      const t = start([2_500], claim);
      t.clock.advance(1_000);
      t.exit();
      t.clock.advance(2_500);
      assert.equal(whichChild(t.supervisor, 'w')?.lastExit?.at, dated, `an exit that says ${claim}`);
    }
  });

  // OTP's supervisor, blocked in one child's shutdown, gets to another's EXIT message only after
  // it, and dates that restart then; this one takes the exit when it comes, as it happened.
  it("dates an exit that comes while another child's stop is awaited when it comes", () => {
    const t = harness({ intensity: 1, period: 5 }, [{ id: 'stubborn', shutdown: 5, input: { graceful: false } }, { id: 'b' }]).start();
    void terminateChild(t.supervisor, 'stubborn');
    t.clock.advance(1_000);
    t.send('b', 'crash');
    t.clock.advance(4_000); // stubborn is killed at 5 s, and b restarts then
    assert.equal(whichChild(t.supervisor, 'b')?.lastExit?.at, 1_000);
    assert.deepEqual(t.states(), ['stubborn@1:terminated', 'b@2:running']);
    t.clock.advance(1_500);
    // At 6.5 s the restart of 1 s has left the window: had it been dated at 5 s, this would give up.
    t.send('b', 'crash');
    assert.deepEqual(t.states(), ['stubborn@1:terminated', 'b@3:running']);
    assert.ok(!t.types().includes('supervisor.gave_up:b'));
  });
});

