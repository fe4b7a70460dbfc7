// A supervision tree you can watch: a rest_for_one app whose flaky "worker" crashes now and
// then and is restarted with backoff, taking the "reporter" started after it along. It stops by
// itself after ten seconds, children in reverse order.
import { createActor, setup } from 'xstate';
import { createSupervisor, describeExit, stopSupervisor, systemClock, whichChildren } from '@portico/supervisor';

/** Ticks every 250 ms and, with the given odds per tick, crashes; obeys `portico.shutdown`. */
const flaky = setup({
  types: { input: {} as { crashOdds: number }, context: {} as { crashOdds: number } },
  actions: {
    maybeCrash: ({ context }) => {
      if (Math.random() < context.crashOdds) throw new Error('worker crashed');
    },
  },
}).createMachine({
  context: ({ input }) => ({ crashOdds: input.crashOdds }),
  initial: 'running',
  states: {
    running: {
      after: { 250: { target: 'running', reenter: true, actions: 'maybeCrash' } },
      on: { 'portico.shutdown': 'stopped' },
    },
    stopped: { type: 'final' },
  },
  output: { exit: 'shutdown' },
});

const app = createActor(
  createSupervisor({
    strategy: 'rest_for_one',
    intensity: 5,
    period: 10,
    backoff: { min: 0.2, max: 2, jitter: 0.2 },
    children: [
      { id: 'config', logic: flaky, input: { crashOdds: 0 } },
      { id: 'worker', logic: flaky, input: { crashOdds: 0.15 } },
      { id: 'reporter', logic: flaky, input: { crashOdds: 0 } },
    ],
  }),
  { clock: systemClock },
);
app.on('*', (event) => {
  const child = 'childId' in event ? ` ${event.childId}` : '';
  const detail = 'exit' in event ? ` (${describeExit(event.exit)})` : 'delayMs' in event ? ` in ${event.delayMs} ms` : '';
  console.log(`${event.type}${child}${detail}`);
});
app.start();
setTimeout(async () => {
  console.table(whichChildren(app).map(({ id, state, restarts }) => ({ id, state, restarts })));
  await stopSupervisor(app);
  console.log('stopped:', app.getSnapshot().output);
}, 10_000);
