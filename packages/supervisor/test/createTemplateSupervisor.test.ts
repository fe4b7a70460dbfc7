import assert from 'node:assert/strict';
import { createActor } from 'xstate';
import {
  countChildren,
  createSupervisor,
  createTemplateSupervisor,
  InvalidSupervisorOptionError,
  SimulatedClock,
  startChild,
  startTemplateChild,
  stopSupervisor,
  terminateChild,
  whichChild,
  whichChildren,
  type RestartType,
} from '../src/index.ts';
import { testChild, type TestChildInput } from './helpers/testChild.ts';

function templateSupervisor(restart: RestartType = 'permanent') {
  const log: string[] = [];
  const supervisor = createActor(
    createTemplateSupervisor({
      intensity: 5,
      template: { logic: testChild, restart, idPrefix: 'job', input: (name: string): TestChildInput => ({ log, name }) },
    }),
    { clock: new SimulatedClock() },
  ).start();
  return { supervisor, log, states: () => whichChildren(supervisor).map((c) => `${c.id}@${c.incarnation}:${c.state}`) };
}

describe('createTemplateSupervisor', () => {
  it('starts many children from one template, each with its own arguments', async () => {
    const t = templateSupervisor();
    assert.deepEqual(t.states(), [], 'it starts with none');
    const results = await Promise.all(['a', 'b', 'c'].map((name) => startTemplateChild(t.supervisor, name)));
    assert.deepEqual(results.map((r) => r.ok && r.id), ['job-1', 'job-2', 'job-3']);
    assert.deepEqual(t.log, ['start:a', 'start:b', 'start:c']);
    assert.deepEqual(countChildren(t.supervisor), { specs: 3, active: 3, supervisors: 0, workers: 3 });
    assert.equal(results[1]?.ok && results[1].ref, whichChild(t.supervisor, 'job-2')?.ref);
  });

  it('restarts a crashed child alone, with the arguments it was started with', async () => {
    const t = templateSupervisor();
    await startTemplateChild(t.supervisor, 'a');
    await startTemplateChild(t.supervisor, 'b');
    whichChild(t.supervisor, 'job-1')?.ref?.send({ type: 'crash' });
    assert.deepEqual(t.states(), ['job-1@2:running', 'job-2@1:running']);
    assert.deepEqual(t.log, ['start:a', 'start:b', 'start:a']);
  });

  it('removes a child that is terminated, or that ends and is not restarted, as OTP does', async () => {
    const t = templateSupervisor('transient');
    await startTemplateChild(t.supervisor, 'a');
    await startTemplateChild(t.supervisor, 'b');
    const terminated = await terminateChild(t.supervisor, 'job-1');
    assert.ok(terminated.ok);
    whichChild(t.supervisor, 'job-2')?.ref?.send({ type: 'exit' });
    assert.deepEqual(t.states(), []);
    assert.deepEqual(countChildren(t.supervisor), { specs: 0, active: 0, supervisors: 0, workers: 0 });
  });

  // Failed before: the stop began at job-3, removed it (a template child that ends is not kept)
  // and went no further, so job-2 and job-1 kept running after the supervisor had stopped.
  it('stops every child in reverse start order while the last one waits out its backoff', async () => {
    const log: string[] = [];
    const supervisor = createActor(
      createTemplateSupervisor({ intensity: 5, backoff: { min: 1, max: 1 }, template: { logic: testChild, input: (name: string): TestChildInput => ({ log, name }) } }),
      { clock: new SimulatedClock() },
    ).start();
    for (const name of ['a', 'b', 'c']) await startTemplateChild(supervisor, name);
    whichChild(supervisor, 'child-3')?.ref?.send({ type: 'crash' });
    assert.equal(whichChild(supervisor, 'child-3')?.state, 'backoff');
    const running = ['child-1', 'child-2'].map((id) => whichChild(supervisor, id)?.ref);
    await stopSupervisor(supervisor);
    assert.deepEqual(log, ['start:a', 'start:b', 'start:c', 'shutdown:b', 'shutdown:a']);
    assert.deepEqual(running.map((ref) => ref?.getSnapshot().status), ['done', 'done']);
    assert.equal(supervisor.getSnapshot().status, 'done');
  });

  it('refuses a child spec, and a start on a supervisor without a template', async () => {
    const t = templateSupervisor();
    const spec = await startChild(t.supervisor, { id: 'x', logic: testChild });
    assert.ok(!spec.ok && spec.failure === 'invalid_spec' && /use startTemplateChild/.test(spec.error.message));
    const plain = createActor(createSupervisor({}), { clock: new SimulatedClock() }).start();
    const args = await startTemplateChild(plain, 'a');
    assert.ok(!args.ok && args.failure === 'invalid_spec' && /need a template supervisor/.test(args.error.message));
  });

  it('refuses a start whose arguments the template cannot turn into an input, and changes nothing', async () => {
    const supervisor = createActor(
      createTemplateSupervisor({
        template: {
          logic: testChild,
          input: (n: number): TestChildInput => {
            if (n < 0) throw new Error('n must be ≥ 0');
            return { log: [], name: String(n) };
          },
        },
      }),
      { clock: new SimulatedClock() },
    ).start();
    const result = await startTemplateChild(supervisor, -1);
    assert.ok(!result.ok && result.failure === 'invalid_spec' && /"template.input" threw for these arguments: n must be ≥ 0/.test(result.error.message));
    assert.deepEqual(countChildren(supervisor).specs, 0);
  });

  it('refuses a wrong template or options with an error naming them', () => {
    const cases: [object, RegExp][] = [
      [{ template: undefined }, /"template" must be a child template object/],
      [{ template: { logic: {} } }, /"template.logic" must be xstate actor logic/],
      [{ template: { logic: testChild, input: 'x' } }, /"template.input" must be a function/],
      [{ template: { logic: testChild }, strategy: 'one_for_all' }, /"strategy" cannot be given to a template supervisor/],
      [{ template: { logic: testChild }, intensity: -1 }, /"intensity" must be a whole number/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => createTemplateSupervisor(options as never), (error: unknown) => error instanceof InvalidSupervisorOptionError && message.test((error as Error).message));
    }
  });
});
