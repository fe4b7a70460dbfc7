// Type tests of @portico/portico's public surface: `tsc -b` fails when an exported type changes
// shape by accident; mocha runs the (empty at run time) assertions as one case.
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { expectTypeOf } from 'expect-type';
import {
  createPortico,
  frontNodeFlags,
  loadConfig,
  resolveConfig,
  type BoundAddress,
  type Clock,
  type Dispatch,
  type DispatchRequest,
  type EventLogger,
  type Portico,
  type PorticoConfig,
  type PorticoOptions,
  type PorticoStatus,
  type ProcessHost,
  type RequestMetrics,
  type Started,
} from '@portico/portico';

describe('@portico/portico public types', () => {
  it('names every type that a Portico hands out', () => {
    expectTypeOf(createPortico).parameters.toEqualTypeOf<[PorticoConfig, PorticoOptions?]>();
    expectTypeOf(createPortico).returns.toEqualTypeOf<Portico>();
    expectTypeOf<Portico['status']>().returns.toEqualTypeOf<PorticoStatus>();
    expectTypeOf<Portico['metrics']>().toEqualTypeOf<RequestMetrics>();
    expectTypeOf<Portico['dispatch']>().toEqualTypeOf<(request: DispatchRequest) => Dispatch | Promise<Dispatch>>();
    expectTypeOf<Portico['handler']>().toEqualTypeOf<(req: IncomingMessage, res: ServerResponse) => void>();
    expectTypeOf<Portico['upgrade']>().toEqualTypeOf<(req: IncomingMessage, socket: Duplex, head: Buffer) => void>();
    expectTypeOf<Portico['start']>().parameters.toEqualTypeOf<[{ readonly listen?: boolean }?]>();
    expectTypeOf<Portico['start']>().returns.toEqualTypeOf<Promise<Started>>();
    expectTypeOf<Started['listen']>().toEqualTypeOf<readonly BoundAddress[]>();
    expectTypeOf<Portico['stop']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<PorticoOptions['logger']>().toEqualTypeOf<EventLogger | undefined>();
    expectTypeOf<PorticoOptions['host']>().toEqualTypeOf<ProcessHost | undefined>();
    expectTypeOf<PorticoOptions['clock']>().toEqualTypeOf<Clock | undefined>();
  });

  it('gives the Node flags a front process is started with', () => {
    expectTypeOf(frontNodeFlags).parameters.toEqualTypeOf<[Pick<PorticoConfig, 'frontGc'>, (readonly string[])?]>();
    expectTypeOf(frontNodeFlags).returns.toEqualTypeOf<string[]>();
  });

  it('loads and resolves a config to one PorticoConfig type', () => {
    expectTypeOf(loadConfig).returns.toEqualTypeOf<Promise<PorticoConfig>>();
    expectTypeOf(resolveConfig).returns.toEqualTypeOf<PorticoConfig>();
  });

  // docs/embedding.md: both functions are handed to a host's server unbound.
  it('mounts in a node:http server as docs/embedding.md shows', () => {
    expectTypeOf<Portico['handler']>().toExtend<RequestListener>();
    // Compiled, not run: the calls a host makes, against node:http's own overloads.
    const mount = (server: Server, portico: Portico) => server.on('request', portico.handler).on('upgrade', portico.upgrade);
    expectTypeOf(mount).returns.toEqualTypeOf<Server>();
  });
});
