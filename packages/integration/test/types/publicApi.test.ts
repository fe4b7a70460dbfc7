// Type tests of @portico/integration's public surface (see packages/portico/test/types).
import http from 'node:http';
import { expectTypeOf } from 'expect-type';
import {
  getPortico,
  installGracefulShutdown,
  listen,
  readPorticoEnvironment,
  type GracefulShutdown,
  type Listening,
  type ListenableServer,
  type PorticoEnvironment,
  type PorticoRequestInfo,
} from '@portico/integration';

describe('@portico/integration public types', () => {
  it('takes Node’s own servers and requests as they are', () => {
    expectTypeOf(http.createServer()).toExtend<ListenableServer>();
    expectTypeOf(listen).returns.toEqualTypeOf<Promise<Listening>>();
    expectTypeOf(installGracefulShutdown).returns.toEqualTypeOf<GracefulShutdown>();
    expectTypeOf(readPorticoEnvironment).returns.toEqualTypeOf<PorticoEnvironment>();
    expectTypeOf(getPortico).parameter(0).toExtend<http.IncomingMessage | { readonly raw: http.IncomingMessage }>();
    expectTypeOf(getPortico).returns.toEqualTypeOf<PorticoRequestInfo | undefined>();
    expectTypeOf<PorticoRequestInfo['clientAddress']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<PorticoRequestInfo['port']>().toEqualTypeOf<number | undefined>();
  });
});
