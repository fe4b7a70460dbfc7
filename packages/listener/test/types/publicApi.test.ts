// Type tests of @portico/listener's public surface (see packages/portico/test/types).
import { expectTypeOf } from 'expect-type';
import { createAdminServer, createListener, type AdminReloadResult, type AdminServer, type AdminServerOptions, type AdminSource, type Listener, type ListenerOptions } from '@portico/listener';

describe('@portico/listener public types', () => {
  it('builds front sockets and the admin endpoint from options', () => {
    expectTypeOf(createListener).parameters.toEqualTypeOf<[ListenerOptions]>();
    expectTypeOf(createListener).returns.toEqualTypeOf<Listener>();
    expectTypeOf(createAdminServer).parameters.toEqualTypeOf<[AdminServerOptions]>();
    expectTypeOf(createAdminServer).returns.toEqualTypeOf<AdminServer>();
    expectTypeOf<AdminSource['reload']>().returns.toEqualTypeOf<Promise<AdminReloadResult>>();
  });
});
