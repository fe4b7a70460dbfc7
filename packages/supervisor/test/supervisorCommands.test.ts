import assert from 'node:assert/strict';
import {
  ChildStillRunning,
  deleteChild,
  DuplicateChild,
  InvalidSupervisorOption,
  restartChild,
  startChild,
  stopSupervisor,
  SupervisorNotRunning,
  terminateChild,
  UnknownChild,
} from '../src/index.ts';
import { harness } from './helpers/harness.ts';
import { testChild } from './helpers/testChild.ts';

describe('supervisorCommands', () => {
  describe('#startChild', () => {
    it('adds a child at the end of the start order and starts it', () => {
      const t = harness({}, [{ id: 'a' }]).start();
      startChild(t.supervisor, { id: 'b', logic: testChild, input: { log: t.log, name: 'b' } });
      assert.deepEqual(t.states(), ['a@1:running', 'b@1:running']);
    });

    it('refuses a taken id and an invalid spec', () => {
      const t = harness({}, [{ id: 'a' }]).start();
      assert.throws(() => startChild(t.supervisor, { id: 'a', logic: testChild }), DuplicateChild);
      assert.throws(() => startChild(t.supervisor, { id: 'b', logic: testChild, restart: 'sometimes' as never }), InvalidSupervisorOption);
    });

    it('reports a command sent straight to the actor that it must reject', () => {
      const t = harness({}, [{ id: 'a' }]).start();
      t.supervisor.send({ type: 'supervisor.start_child', spec: { id: 'a', logic: testChild } });
      const rejected = t.emitted.find((e) => e.type === 'supervisor.command_rejected');
      assert.ok(rejected?.type === 'supervisor.command_rejected' && rejected.error instanceof DuplicateChild);
    });
  });

  describe('a dynamic child that fails to start', () => {
    it('is refused and changes nothing when its start throws (regression: it was retried until the supervisor gave up)', () => {
      const t = harness({ intensity: 1 }, [{ id: 'a' }]).start();
      startChild(t.supervisor, { id: 'bad', logic: testChild, input: { log: t.log, name: 'bad', failStart: true } });
      assert.deepEqual(t.states(), ['a@1:running']);
      assert.equal(t.supervisor.getSnapshot().status, 'active');
      assert.equal(t.supervisor.getSnapshot().restartsInPeriod, 0);
      assert.deepEqual(t.types().filter((type) => !type.endsWith(':a')), ['supervisor.child_start_failed:bad']);
      startChild(t.supervisor, { id: 'bad', logic: testChild, input: { log: t.log, name: 'bad' } });
      assert.deepEqual(t.states(), ['a@1:running', 'bad@1:running'], 'the id is free again');
    });

    it('is refused and changes nothing when it exits before it is ready', () => {
      const t = harness({ intensity: 1 }, [{ id: 'a' }]).start();
      const ready = (s: { ready: boolean }) => s.ready;
      startChild(t.supervisor, { id: 'slow', logic: testChild, ready, input: { log: t.log, name: 'slow', startsUnready: true } });
      assert.deepEqual(t.states(), ['a@1:running', 'slow@1:starting']);
      t.send('slow', 'crash');
      assert.deepEqual(t.states(), ['a@1:running']);
      assert.equal(t.supervisor.getSnapshot().restartsInPeriod, 0);
    });

    it('is not taken into a group restart while its start is still undecided: the start is abandoned', () => {
      const t = harness({ strategy: 'one_for_all', intensity: 5 }, [{ id: 'a' }]).start();
      const ready = (s: { ready: boolean }) => s.ready;
      startChild(t.supervisor, { id: 'slow', logic: testChild, ready, input: { log: t.log, name: 'slow', startsUnready: true } });
      t.send('a', 'crash');
      assert.deepEqual(t.states(), ['a@2:running']);
      assert.deepEqual(t.log, ['start:a', 'start:slow', 'shutdown:slow', 'start:a']);
      const restarting = t.emitted.find((e) => e.type === 'supervisor.child_restarting');
      assert.deepEqual(restarting?.type === 'supervisor.child_restarting' && restarting.group, ['a']);
    });

    it('stays terminated when restartChild cannot start it', () => {
      const t = harness({ intensity: 1 }, [{ id: 'a' }, { id: 'b' }]).start();
      terminateChild(t.supervisor, 'a');
      (t.inputs.a as { failStart?: boolean }).failStart = true;
      restartChild(t.supervisor, 'a');
      assert.deepEqual(t.states(), ['a@1:terminated', 'b@1:running']);
      assert.equal(t.supervisor.getSnapshot().status, 'active');
      (t.inputs.a as { failStart?: boolean }).failStart = false;
      restartChild(t.supervisor, 'a');
      assert.deepEqual(t.states(), ['a@2:running', 'b@1:running']);
    });
  });

  describe('#terminateChild', () => {
    it('stops the child and keeps its spec', () => {
      const t = harness({}, [{ id: 'a' }, { id: 'b' }]).start();
      terminateChild(t.supervisor, 'a');
      assert.deepEqual(t.states(), ['a@1:terminated', 'b@1:running']);
      assert.ok(t.log.includes('shutdown:a'));
    });

    it('removes a temporary child', () => {
      const t = harness({}, [{ id: 'a', restart: 'temporary' }]).start();
      terminateChild(t.supervisor, 'a');
      assert.deepEqual(t.states(), []);
    });

    it('cancels a pending restart', () => {
      const t = harness({ intensity: 5, backoff: { min: 1, max: 1 } }, [{ id: 'a' }]).start();
      t.send('a', 'crash');
      terminateChild(t.supervisor, 'a');
      t.clock.advance(5000);
      assert.deepEqual(t.states(), ['a@1:terminated']);
    });

    it('stops a child still waiting for its ready predicate, and the supervisor goes on (regression: it wedged in stopping)', () => {
      const ready = (s: { ready: boolean }) => s.ready;
      const t = harness({ intensity: 5 }, [{ id: 'db', input: { startsUnready: true }, ready }, { id: 'web' }]).start();
      assert.deepEqual(t.states(), ['db@1:starting', 'web@0:idle']);
      terminateChild(t.supervisor, 'db');
      assert.deepEqual(t.states(), ['db@1:terminated', 'web@1:running']);
      assert.deepEqual(t.log, ['start:db', 'shutdown:db', 'start:web']);
      t.send('web', 'crash');
      assert.deepEqual(t.states(), ['db@1:terminated', 'web@2:running'], 'a crashed sibling is restarted');
      startChild(t.supervisor, { id: 'late', logic: testChild, input: { log: t.log, name: 'late' } });
      assert.deepEqual(t.states(), ['db@1:terminated', 'web@2:running', 'late@1:running'], 'a later child starts');
    });

    it('refuses an unknown id', () => {
      const t = harness({}, []).start();
      assert.throws(() => terminateChild(t.supervisor, 'nope'), UnknownChild);
    });
  });

  describe('#restartChild', () => {
    it('starts a terminated child again', () => {
      const t = harness({}, [{ id: 'a' }]).start();
      terminateChild(t.supervisor, 'a');
      restartChild(t.supervisor, 'a');
      assert.deepEqual(t.states(), ['a@2:running']);
    });

    it('refuses a running child', () => {
      const t = harness({}, [{ id: 'a' }]).start();
      assert.throws(() => restartChild(t.supervisor, 'a'), ChildStillRunning);
    });
  });

  describe('#deleteChild', () => {
    it('removes a terminated child and refuses a running one', () => {
      const t = harness({}, [{ id: 'a' }, { id: 'b' }]).start();
      assert.throws(() => deleteChild(t.supervisor, 'a'), ChildStillRunning);
      terminateChild(t.supervisor, 'a');
      deleteChild(t.supervisor, 'a');
      assert.deepEqual(t.states(), ['b@1:running']);
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
      assert.throws(() => terminateChild(t.supervisor, 'a'), SupervisorNotRunning);
    });
  });
});
