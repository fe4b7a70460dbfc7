// Type tests of @portico/router's public surface: `tsc -b` fails when an exported type changes
// shape by accident; mocha runs the (empty at run time) assertions as one case each.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '@portico/supervisor';
import { expectTypeOf } from 'expect-type';
import * as router from '@portico/router';
import {
  createEmbeddedForwarder,
  createForwarder,
  createRouter,
  type AppRoute,
  type Dispatch,
  type DispatchAnswer,
  type DispatchRequest,
  type EmbeddedForwarder,
  type EmbeddedForwarderOptions,
  type ExchangeOutcome,
  type Forwarder,
  type ForwarderEvent,
  type ForwarderOptions,
  type HeaderPair,
  type Http1Limits,
  type RequestConnection,
  type RequestHead,
  type RetryChoice,
  type RouteDecision,
  type RouteRequest,
  type Router,
  type RouterOptions,
  type Upstream,
  type UpstreamAddress,
} from '@portico/router';

type Forward = Extract<Dispatch, { kind: 'forward' }>;

describe('@portico/router public types', () => {
  it('createForwarder takes ForwarderOptions and hands out a Forwarder', () => {
    expectTypeOf(createForwarder).parameters.toEqualTypeOf<[ForwarderOptions]>();
    expectTypeOf(createForwarder).returns.toEqualTypeOf<Forwarder>();
    expectTypeOf<Forwarder['handleConnection']>().toEqualTypeOf<(socket: net.Socket, initial?: Buffer) => void>();
    // A listener that sniffed for the h2c preface hands both engines what it read (docs/proxy.md).
    expectTypeOf<Forwarder['handleHttp2Connection']>().toEqualTypeOf<(socket: net.Socket, initial?: Buffer) => void>();
    expectTypeOf<Forwarder['connectionCount']>().toEqualTypeOf<number>();
    expectTypeOf<Forwarder['drain']>().toEqualTypeOf<() => void>();
    expectTypeOf<Forwarder['close']>().returns.toEqualTypeOf<Promise<void>>();
  });

  it('ForwarderOptions names its callbacks, limits and clock with exported types', () => {
    expectTypeOf<ForwarderOptions['dispatch']>().toEqualTypeOf<((request: DispatchRequest) => Dispatch | Promise<Dispatch>) | undefined>();
    expectTypeOf<ForwarderOptions['pickUpstream']>().toEqualTypeOf<(() => Upstream | undefined) | undefined>();
    expectTypeOf<ForwarderOptions['limits']>().toEqualTypeOf<Partial<Http1Limits> | undefined>();
    expectTypeOf<ForwarderOptions['transformRequestHeaders']>().toEqualTypeOf<((headers: HeaderPair[], head: RequestHead) => HeaderPair[]) | undefined>();
    expectTypeOf<ForwarderOptions['onEvent']>().toEqualTypeOf<((event: ForwarderEvent) => void) | undefined>();
    expectTypeOf<ForwarderOptions['clock']>().toEqualTypeOf<Clock | undefined>();
    expectTypeOf<ForwarderEvent['type']>().toEqualTypeOf<'request.refused' | 'upstream.failed' | 'response.aborted' | 'internal.error'>();
    // Limits are named as in the config (docs/architecture.md, Conventions).
    expectTypeOf<Http1Limits>().toHaveProperty('maxHeaderBytes').toEqualTypeOf<number>();
    expectTypeOf<Http1Limits>().not.toHaveProperty('maxHeadBytes');
  });

  it('Dispatch forwards to an Upstream or answers, and reports an ExchangeOutcome', () => {
    expectTypeOf<Dispatch['kind']>().toEqualTypeOf<'forward' | 'respond'>();
    expectTypeOf<Forward['upstream']>().toEqualTypeOf<Upstream>();
    expectTypeOf<Forward['hiddenResponseHeaders']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<Forward['retry']>().toEqualTypeOf<((error: Error, failedStart: boolean) => RetryChoice | Promise<RetryChoice>) | undefined>();
    expectTypeOf<RetryChoice>().toEqualTypeOf<Upstream | DispatchAnswer | undefined>();
    expectTypeOf<Forward['hasAnswered']>().toEqualTypeOf<((upstream: Upstream) => boolean) | undefined>();
    expectTypeOf<Forward['failureAnswer']>().toEqualTypeOf<((status: number, error: Error, failedStart: boolean) => DispatchAnswer | undefined) | undefined>();
    expectTypeOf<Extract<Dispatch, { kind: 'respond' }>>().toEqualTypeOf<DispatchAnswer>();
    expectTypeOf<ExchangeOutcome['answered']>().toEqualTypeOf<boolean>();
    expectTypeOf<Forward['release']>().toEqualTypeOf<((outcome: ExchangeOutcome) => void) | undefined>();
    expectTypeOf<Upstream['address']>().toEqualTypeOf<UpstreamAddress>();
    expectTypeOf<DispatchRequest['socket']>().toEqualTypeOf<net.Socket>();
  });

  it('declares a forward\'s callbacks as methods, which every engine calls on the dispatch', () => {
    // Under strictFunctionTypes only a method's parameters are bivariant, so a function taking a
    // narrower argument fits these only while they are methods: the type says that an engine calls
    // them on the dispatch (a class instance's fields are its state, as the router's
    // ForwardDecision), and the lint rule unbound-method fails an engine that detaches one.
    type Narrow<T> = T & { readonly narrower: true };
    expectTypeOf<(headers: Narrow<HeaderPair[]>) => HeaderPair[]>().toExtend<NonNullable<Forward['transformHeaders']>>();
    expectTypeOf<(error: Narrow<Error>, failedStart: boolean) => RetryChoice>().toExtend<NonNullable<Forward['retry']>>();
    expectTypeOf<(upstream: Narrow<Upstream>) => boolean>().toExtend<NonNullable<Forward['hasAnswered']>>();
    expectTypeOf<(status: number, error: Narrow<Error>, failedStart: boolean) => undefined>().toExtend<NonNullable<Forward['failureAnswer']>>();
    expectTypeOf<(outcome: Narrow<ExchangeOutcome>) => void>().toExtend<NonNullable<Forward['release']>>();
  });

  it('createEmbeddedForwarder takes EmbeddedForwarderOptions and hands out a handler and an upgrade listener', () => {
    expectTypeOf(createEmbeddedForwarder).parameters.toEqualTypeOf<[EmbeddedForwarderOptions]>();
    expectTypeOf(createEmbeddedForwarder).returns.toEqualTypeOf<EmbeddedForwarder>();
    expectTypeOf<EmbeddedForwarderOptions['dispatch']>().toEqualTypeOf<(request: DispatchRequest) => Dispatch | Promise<Dispatch>>();
    expectTypeOf<EmbeddedForwarder['handler']>().toEqualTypeOf<(req: IncomingMessage, res: ServerResponse) => void>();
    expectTypeOf<EmbeddedForwarder['upgrade']>().toEqualTypeOf<(req: IncomingMessage, socket: Duplex, head: Buffer) => void>();
  });

  it('createRouter hands out a Router whose decisions a forwarder can take as its Dispatch', () => {
    expectTypeOf(createRouter).parameters.toEqualTypeOf<[readonly AppRoute[], RouterOptions?]>();
    expectTypeOf(createRouter).returns.toEqualTypeOf<Router>();
    expectTypeOf<Router['route']>().returns.toEqualTypeOf<RouteDecision | Promise<RouteDecision>>();
    expectTypeOf<RouteDecision>().toExtend<Dispatch>();
  });

  it('routes a RouteRequest that names its client connection, which a socket is', () => {
    expectTypeOf<Router['route']>().parameters.toEqualTypeOf<[RouteRequest]>();
    // The connection itself, not an `onClose` callback made for every request (the router hears a
    // WebSocket's client close on it, to hold the tunnel's worker until then).
    expectTypeOf<keyof RouteRequest>().toEqualTypeOf<'head' | 'remoteAddress' | 'requestId' | 'tls' | 'connection' | 'receivedAt'>();
    expectTypeOf<RouteRequest['connection']>().toEqualTypeOf<RequestConnection | undefined>();
    expectTypeOf<DispatchRequest['socket']>().toExtend<RequestConnection>();
    // The request's own lifetime: on HTTP/2 its stream, not the session's socket.
    expectTypeOf<DispatchRequest['connection']>().toEqualTypeOf<RequestConnection>();
  });

  it('keeps the keep-alive pool and backend connections off the public entry (./internal)', () => {
    expectTypeOf(router).not.toHaveProperty('UpstreamPool');
    expectTypeOf(router).not.toHaveProperty('UpstreamConnection');
  });
});
