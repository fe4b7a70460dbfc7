import assert from 'node:assert/strict';
import {
  ChildStillRunningError,
  deleteChild,
  DuplicateChildError,
  InvalidSupervisorOptionError,
  restartChild,
  startChild,
  stopSupervisor,
  SupervisorNotRunningError,
  terminateChild,
  UnknownChildError,
  whichChildren,
  whichChild,
  getChildSpec,
  countChildren,
  createSupervisor,
  ChildStartFailedError,
} from '../src/index.ts';
import { assign, createActor, createMachine } from 'xstate';
import { harness } from './helpers/harness.ts';
import { testChild } from './helpers/testChild.ts';

describe('supervisorCommands', () => {
  describe('#startChild', () => {
    it('adds a child at the end of the start order and starts it', () => {
      const t = harness({}, [{ id: 'a' }]).start();
      void startChild(t.supervisor, { id: 'b', logic: testChild, input: { log: t.log, name: 'b' } });
      assert.deepEqual(t.states(), ['a@1:running', 'b@1:running']);
    });

    it('resolves to ok with the live child once it has started', async () => {
      const t = harness({}, [{ id: 'a' }]).start();
      const result = await startChild(t.supervisor, { id: 'b', logic: testChild, input: { log: t.log, name: 'b' } });
      assert.ok(result.ok);
      assert.equal(result.id, 'b');
      assert.equal(result.ref, whichChildren(t.supervisor)[1]?.ref);
      assert.equal(result.ref?.getSnapshot().status, 'active');
    });

    it('resolves a child with ready only once it is ready', async () => {
      const t = harness({}, []).start();
      let answered = false;
      const ready = (s: { ready: boolean }) => s.ready;
      const pending = startChild(t.supervisor, { id: 'db', logic: testChild, ready, input: { log: t.log, name: 'db', startsUnready: true } });
      void pending.then(() => (answered = true));
      await Promise.resolve();
      assert.equal(answered, false);
      t.send('db', 'ready');
      const result = await pending;
      assert.ok(result.ok && result.ref === whichChildren(t.supervisor)[0]?.ref);
    });

    it('tells a taken id that is live (already_started, with its ref) from one that is not (already_present)', async () => {
      const t = harness({}, [{ id: 'a' }, { id: 'b' }]).start();
      const live = await startChild(t.supervisor, { id: 'a', logic: testChild });
      assert.ok(!live.ok && live.failure === 'already_started' && live.error instanceof DuplicateChildError);
      assert.equal(live.ref, whichChildren(t.supervisor)[0]?.ref);
      await terminateChild(t.supervisor, 'b');
      const present = await startChild(t.supervisor, { id: 'b', logic: testChild });
      assert.ok(!present.ok && present.failure === 'already_present');
      assert.match(present.error.message, /already present.*restartChild starts it, deleteChild removes its spec/);
    });

    it('refuses an invalid spec with the option named', async () => {
      const t = harness({}, []).start();
      const result = await startChild(t.supervisor, { id: 'b', logic: testChild, restart: 'sometimes' as never });
      assert.ok(!result.ok && result.failure === 'invalid_spec' && result.error instanceof InvalidSupervisorOptionError);
      assert.match(result.error.message, /"spec.restart" must be one of/);
      assert.deepEqual(t.states(), []);
    });

    it('refuses a significant child while autoShutdown is never (OTP bad_combination)', async () => {
      const t = harness({}, []).start();
      const result = await startChild(t.supervisor, { id: 'job', logic: testChild, restart: 'transient', significant: true });
      assert.ok(!result.ok && result.failure === 'invalid_spec' && /"spec.significant" cannot be true while autoShutdown is "never"/.test(result.error.message));
    });

    it('resolves to start_failed with the reason when the start fails', async () => {
      const t = harness({}, []).start();
      const result = await startChild(t.supervisor, { id: 'bad', logic: testChild, input: { log: t.log, name: 'bad', failStart: true } });
      assert.ok(!result.ok && result.failure === 'start_failed' && result.error instanceof ChildStartFailedError);
      assert.match(result.error.message, /child "bad" did not start: bad cannot start; nothing changed/);
    });

    it('answers a machine that sends the command itself with replyTo: self', () => {
      const t = harness({}, []).start();
      const spec = { id: 'm', logic: testChild, input: { log: t.log, name: 'm' } };
      const caller = createActor(
        createMachine({
          types: {} as { context: { answer: unknown } },
          context: { answer: undefined },
          entry: ({ self }) => t.supervisor.send({ type: 'supervisor.start_child', spec, replyTo: self, requestId: 'r1' }),
          on: { 'supervisor.command_answered': { actions: assign({ answer: ({ event }) => event }) } },
        }),
      ).start();
      const answer = caller.getSnapshot().context.answer as { requestId: string; command: string; result: { ok: boolean; id: string } };
      assert.deepEqual([answer.requestId, answer.command, answer.result.ok, answer.result.id], ['r1', 'supervisor.start_child', true, 'm']);
    });

    it('reports a command sent straight to the actor that it must reject', () => {
      const t = harness({}, [{ id: 'a' }]).start();
      t.supervisor.send({ type: 'supervisor.start_child', spec: { id: 'a', logic: testChild } });
      const rejected = t.emitted.find((e) => e.type === 'supervisor.command_rejected');
      assert.ok(rejected?.type === 'supervisor.command_rejected' && rejected.error instanceof DuplicateChildError);
    });
  });

  describe('a dynamic child that fails to start', () => {
    it('is refused and changes nothing when its start throws (regression: it was retried until the supervisor gave up)', () => {
      const t = harness({ intensity: 1 }, [{ id: 'a' }]).start();
      void startChild(t.supervisor, { id: 'bad', logic: testChild, input: { log: t.log, name: 'bad', failStart: true } });
      assert.deepEqual(t.states(), ['a@1:running']);
      assert.equal(t.supervisor.getSnapshot().status, 'active');
      assert.equal(t.supervisor.getSnapshot().restartsInPeriod, 0);
      assert.deepEqual(t.types().filter((type) => !type.endsWith(':a')), ['supervisor.child_start_failed:bad']);
      void startChild(t.supervisor, { id: 'bad', logic: testChild, input: { log: t.log, name: 'bad' } });
      assert.deepEqual(t.states(), ['a@1:running', 'bad@1:running'], 'the id is free again');
    });

    it('is refused and changes nothing when it exits before it is ready', () => {
      const t = harness({ intensity: 1 }, [{ id: 'a' }]).start();
      const ready = (s: { ready: boolean }) => s.ready;
      void startChild(t.supervisor, { id: 'slow', logic: testChild, ready, input: { log: t.log, name: 'slow', startsUnready: true } });
      assert.deepEqual(t.states(), ['a@1:running', 'slow@1:starting']);
      t.send('slow', 'crash');
      assert.deepEqual(t.states(), ['a@1:running']);
      assert.equal(t.supervisor.getSnapshot().restartsInPeriod, 0);
    });

    it('is not taken into a group restart while its start is still undecided: the start is abandoned', () => {
      const t = harness({ strategy: 'one_for_all', intensity: 5 }, [{ id: 'a' }]).start();
      const ready = (s: { ready: boolean }) => s.ready;
      void startChild(t.supervisor, { id: 'slow', logic: testChild, ready, input: { log: t.log, name: 'slow', startsUnready: true } });
      t.send('a', 'crash');
      assert.deepEqual(t.states(), ['a@2:running']);
      assert.deepEqual(t.log, ['start:a', 'start:slow', 'shutdown:slow', 'start:a']);
      const restarting = t.emitted.find((e) => e.type === 'supervisor.child_restarting');
      assert.deepEqual(restarting?.type === 'supervisor.child_restarting' && restarting.group, ['a']);
    });

    it('stays terminated when restartChild cannot start it', () => {
      const t = harness({ intensity: 1 }, [{ id: 'a' }, { id: 'b' }]).start();
      void terminateChild(t.supervisor, 'a');
      (t.inputs.a as { failStart?: boolean }).failStart = true;
      void restartChild(t.supervisor, 'a');
      assert.deepEqual(t.states(), ['a@1:terminated', 'b@1:running']);
      assert.equal(t.supervisor.getSnapshot().status, 'active');
      (t.inputs.a as { failStart?: boolean }).failStart = false;
      void restartChild(t.supervisor, 'a');
      assert.deepEqual(t.states(), ['a@2:running', 'b@1:running']);
    });
  });

  describe('#terminateChild', () => {
    it('stops the child and keeps its spec', () => {
      const t = harness({}, [{ id: 'a' }, { id: 'b' }]).start();
      void terminateChild(t.supervisor, 'a');
      assert.deepEqual(t.states(), ['a@1:terminated', 'b@1:running']);
      assert.ok(t.log.includes('shutdown:a'));
    });

    it('removes a temporary child', () => {
      const t = harness({}, [{ id: 'a', restart: 'temporary' }]).start();
      void terminateChild(t.supervisor, 'a');
      assert.deepEqual(t.states(), []);
    });

    it('cancels a pending restart', () => {
      const t = harness({ intensity: 5, backoff: { min: 1, max: 1 } }, [{ id: 'a' }]).start();
      t.send('a', 'crash');
      void terminateChild(t.supervisor, 'a');
      t.clock.advance(5000);
      assert.deepEqual(t.states(), ['a@1:terminated']);
    });

    it('stops a child still waiting for its ready predicate, and the supervisor goes on (regression: it wedged in stopping)', () => {
      const ready = (s: { ready: boolean }) => s.ready;
      const t = harness({ intensity: 5 }, [{ id: 'db', input: { startsUnready: true }, ready }, { id: 'web' }]).start();
      assert.deepEqual(t.states(), ['db@1:starting', 'web@0:idle']);
      void terminateChild(t.supervisor, 'db');
      assert.deepEqual(t.states(), ['db@1:terminated', 'web@1:running']);
      assert.deepEqual(t.log, ['start:db', 'shutdown:db', 'start:web']);
      t.send('web', 'crash');
      assert.deepEqual(t.states(), ['db@1:terminated', 'web@2:running'], 'a crashed sibling is restarted');
      void startChild(t.supervisor, { id: 'late', logic: testChild, input: { log: t.log, name: 'late' } });
      assert.deepEqual(t.states(), ['db@1:terminated', 'web@2:running', 'late@1:running'], 'a later child starts');
    });

    it('resolves once the stop has completed', async () => {
      const t = harness({}, [{ id: 'a', shutdown: 2, input: { graceful: false } }]).start();
      let answered = false;
      const pending = terminateChild(t.supervisor, 'a').then((result) => ((answered = true), result));
      await Promise.resolve();
      assert.equal(answered, false, 'not while it is stopping');
      t.clock.advance(2_000);
      const result = await pending;
      assert.ok(result.ok && result.id === 'a' && result.ref === undefined);
      assert.deepEqual(t.states(), ['a@1:terminated']);
    });

    it('refuses an unknown id', async () => {
      const t = harness({}, []).start();
      const result = await terminateChild(t.supervisor, 'nope');
      assert.ok(!result.ok && result.failure === 'not_found' && result.error instanceof UnknownChildError);
    });

    it('tells a caller still waiting for that child to be ready that its start failed', async () => {
      const t = harness({}, []).start();
      const ready = (s: { ready: boolean }) => s.ready;
      const started = startChild(t.supervisor, { id: 'db', logic: testChild, ready, input: { log: t.log, name: 'db', startsUnready: true } });
      const terminated = await terminateChild(t.supervisor, 'db');
      const start = await started;
      assert.ok(terminated.ok);
      assert.ok(!start.ok && start.failure === 'start_failed' && /terminated before it was ready/.test(start.error.message));
    });
  });

  describe('#restartChild', () => {
    it('starts a terminated child again', () => {
      const t = harness({}, [{ id: 'a' }]).start();
      void terminateChild(t.supervisor, 'a');
      void restartChild(t.supervisor, 'a');
      assert.deepEqual(t.states(), ['a@2:running']);
    });

    it('resolves to ok with the new incarnation', async () => {
      const t = harness({}, [{ id: 'a' }]).start();
      await terminateChild(t.supervisor, 'a');
      const result = await restartChild(t.supervisor, 'a');
      assert.ok(result.ok && result.ref === whichChildren(t.supervisor)[0]?.ref && result.ref !== undefined);
    });

    it('refuses a running child (running), one waiting out its backoff (restarting) and an unknown id (not_found)', async () => {
      const t = harness({ intensity: 5, backoff: { min: 1, max: 1 } }, [{ id: 'a' }, { id: 'b' }]).start();
      const running = await restartChild(t.supervisor, 'a');
      assert.ok(!running.ok && running.failure === 'running' && running.error instanceof ChildStillRunningError);
      t.send('b', 'crash');
      const restarting = await restartChild(t.supervisor, 'b');
      assert.ok(!restarting.ok && restarting.failure === 'restarting');
      const unknown = await restartChild(t.supervisor, 'c');
      assert.ok(!unknown.ok && unknown.failure === 'not_found');
    });
  });

  describe('#deleteChild', () => {
    it('removes a terminated child and refuses a running one', async () => {
      const t = harness({}, [{ id: 'a' }, { id: 'b' }]).start();
      const running = await deleteChild(t.supervisor, 'a');
      assert.ok(!running.ok && running.failure === 'running' && running.error instanceof ChildStillRunningError);
      await terminateChild(t.supervisor, 'a');
      const deleted = await deleteChild(t.supervisor, 'a');
      assert.ok(deleted.ok && deleted.ref === undefined);
      assert.deepEqual(t.states(), ['b@1:running']);
      const again = await deleteChild(t.supervisor, 'a');
      assert.ok(!again.ok && again.failure === 'not_found');
    });
  });

  describe('introspection', () => {
    it('countChildren counts specs, live children and specs by kind (OTP count_children)', async () => {
      const t = harness({}, [{ id: 'a' }, { id: 'b' }]).start();
      const sub = createSupervisor({});
      await startChild(t.supervisor, { id: 'sub', logic: sub, kind: 'supervisor' });
      assert.deepEqual(countChildren(t.supervisor), { specs: 3, active: 3, supervisors: 1, workers: 2 });
      await terminateChild(t.supervisor, 'a');
      assert.deepEqual(countChildren(t.supervisor), { specs: 3, active: 2, supervisors: 1, workers: 2 });
      await terminateChild(t.supervisor, 'sub');
      await deleteChild(t.supervisor, 'sub');
      assert.deepEqual(countChildren(t.supervisor), { specs: 2, active: 1, supervisors: 0, workers: 2 });
    });

    it('getChildSpec gives the spec a child was started with, and undefined for an unknown id (OTP get_childspec)', async () => {
      const t = harness({}, []).start();
      const spec = { id: 'b', logic: testChild, restart: 'transient' as const, input: { log: t.log, name: 'b' } };
      await startChild(t.supervisor, spec);
      assert.equal(getChildSpec(t.supervisor, 'b'), spec);
      assert.equal(getChildSpec(t.supervisor, 'nope'), undefined);
    });

    it('whichChild gives one child as whichChildren shows it, and undefined for an unknown id', () => {
      const t = harness({ intensity: 5 }, [{ id: 'a' }, { id: 'b' }]).start();
      t.send('b', 'crash');
      assert.deepEqual(whichChild(t.supervisor, 'b'), whichChildren(t.supervisor)[1]);
      assert.equal(whichChild(t.supervisor, 'b')?.incarnation, 2);
      assert.equal(whichChild(t.supervisor, 'nope'), undefined);
    });
  });

  describe('#stopSupervisor', () => {
    it('resolves once the supervisor has ended, and again on a second call', async () => {
      const t = harness({}, [{ id: 'a' }]).start();
      await Promise.all([stopSupervisor(t.supervisor), stopSupervisor(t.supervisor)]);
      await stopSupervisor(t.supervisor);
      assert.equal(t.supervisor.getSnapshot().status, 'done');
      assert.deepEqual(t.log, ['start:a', 'shutdown:a']);
    });

    it('makes later commands fail with a clear error', async () => {
      const t = harness({}, [{ id: 'a' }]).start();
      await stopSupervisor(t.supervisor);
      const result = await terminateChild(t.supervisor, 'a');
      assert.ok(!result.ok && result.failure === 'not_running' && result.error instanceof SupervisorNotRunningError);
    });

    it('answers a start still waiting for ready with not_running when the supervisor stops, outright or not', async () => {
      const ready = (s: { ready: boolean }) => s.ready;
      for (const stop of ['shutdown', 'outright'] as const) {
        const t = harness({}, []).start();
        const started = startChild(t.supervisor, { id: 'db', logic: testChild, ready, input: { log: t.log, name: 'db', startsUnready: true } });
        if (stop === 'shutdown') await stopSupervisor(t.supervisor);
        else t.supervisor.stop();
        const result = await started;
        assert.ok(!result.ok && result.failure === 'not_running', stop);
      }
    });
  });
});
