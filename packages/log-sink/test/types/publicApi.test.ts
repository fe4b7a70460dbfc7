// Type tests of @portico/log-sink's public surface (see packages/portico/test/types).
import { expectTypeOf } from 'expect-type';
import { createLogger, logEvent, type PorticoEvents, type EventLogger, type LoggerOptions, type PorticoEventName } from '@portico/log-sink';

describe('@portico/log-sink public types', () => {
  it('makes loggers that logEvent accepts, with events named from the catalogue', () => {
    expectTypeOf(createLogger).parameters.toEqualTypeOf<[LoggerOptions?]>();
    expectTypeOf(createLogger).returns.toExtend<EventLogger>();
    expectTypeOf(logEvent).parameter(0).toEqualTypeOf<EventLogger>();
    expectTypeOf<keyof typeof PorticoEvents>().toEqualTypeOf<PorticoEventName>();
    expectTypeOf<'worker.exited'>().toExtend<PorticoEventName>();
    expectTypeOf<'worker.exploded'>().not.toExtend<PorticoEventName>();
  });
});
