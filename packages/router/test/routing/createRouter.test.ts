import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { createAuthenticator, createSubrequestMark } from '@portico/auth-forwarder';
import type { PoolState, ReadyWorker } from '@portico/worker-actor';
import type { RetryChoice } from '../../src/forward/Dispatch.ts';
import { RequestHeadParser } from '../../src/http1/RequestHeadParser.ts';
import { createRouter, type AppBackends, type ErrorPageShown, type ForwardDecision } from '../../src/routing/createRouter.ts';

// The router's retry picks another worker than the one that failed. A WorkerPool rebuilds its
// `ready` list with new objects whenever a worker joins or leaves, so "another" must mean another
// process, not another object: found by test/chaos.slow.test.ts, where a request whose worker was
// SIGKILLed right after a restarted worker became ready was retried on the dead one and got 502.

function worker(id: string, pid: number, port: number, inFlight = 0): ReadyWorker {
  return { id, pid, endpoint: { kind: 'tcp', host: '127.0.0.1', port }, token: `token-${id}`, load: { inFlight }, notifyIdle: () => {}, notifyUnreachable: () => unreachable.push(id) };
}

/** Workers told that a connect to them was refused, by id. */
const unreachable: string[] = [];
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

/** The same process as the pool lists it after a rebuild: a new object sharing the load box. */
const relisted = (w: ReadyWorker): ReadyWorker => ({ ...w });

class Backends implements AppBackends {
  #ready: readonly ReadyWorker[];
  readonly state: PoolState = 'ready';
  readonly lastExit = undefined;
  readonly #listeners = new Set<() => void>();
  constructor(ready: readonly ReadyWorker[]) {
    this.#ready = ready;
  }
  get ready(): readonly ReadyWorker[] {
    return this.#ready;
  }
  set ready(ready: readonly ReadyWorker[]) {
    this.#ready = ready;
    for (const listener of this.#listeners) listener();
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  /** Who follows this pool's changes now. */
  get listenerCount(): number {
    return this.#listeners.size;
  }
}

/** The upstream a retry chose, by id; a string for Portico's own answer. */
const idOf = (choice: RetryChoice) => (choice !== undefined && 'kind' in choice ? `answer ${choice.status}` : choice?.id);

async function forwardOne(backends: Backends): Promise<ForwardDecision> {
  const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
  assert.ok('head' in parsed);
  const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends }]);
  const decision = await router.route({ head: parsed.head, remoteAddress: '127.0.0.1', requestId: 'r1' });
  assert.equal(decision.kind, 'forward');
  return decision as ForwardDecision;
}

describe('createRouter › retry', () => {
  it('retries on another process after the ready list was rebuilt with new objects', async () => {
    const a = worker('shop#1', 101, 5001);
    const b = worker('shop#2', 102, 5002, 5);
    const backends = new Backends([a, b]);
    const decision = await forwardOne(backends);
    assert.equal(decision.upstream.id, 'shop#1@101');
    // shop#1 is SIGKILLed; before its exit is seen, the pool rebuilds the list (say shop#2 restarted).
    backends.ready = [relisted(a), relisted(b)];
    const retry = decision.retry(reset(), false);
    assert.ok(!(retry instanceof Promise));
    assert.equal(idOf(retry), 'shop#2@102', 'the retry went back to the worker that just failed');
    assert.equal(a.load.inFlight, 0);
    assert.equal(b.load.inFlight, 6);
  });

  // Issue 15: a request that met the crashed only worker got 502; it waits for the restart.
  it('waits for the restart when the only ready worker is the one that failed', async () => {
    const a = worker('shop#1', 101, 5001);
    const backends = new Backends([a]);
    const decision = await forwardOne(backends);
    backends.ready = [relisted(a)];
    const retry = decision.retry(reset(), false);
    assert.ok(retry instanceof Promise, 'the retry answers at once instead of waiting');
    backends.ready = [];
    backends.ready = [worker('shop#1', 201, 5003)];
    assert.equal(idOf(await retry), 'shop#1@201');
    assert.equal(a.load.inFlight, 0);
  });

  // Found by the soak (test/soak.slow.test.ts): with crashes during reloads, a retry that found
  // no other ready worker waited on the pool the reload had retired, which is never ready again
  // (and asked it to start again): every connection hung for startupTimeLimit.
  it('waits on the app that a reload handed over to, never on the retired pool', async () => {
    const a = worker('shop#1', 101, 5001);
    const retiredBackends = Object.assign(new Backends([a]), { starts: 0 });
    retiredBackends.start = async () => void retiredBackends.starts++;
    const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
    assert.ok('head' in parsed);
    const match = { host: '*', path: '/' };
    const before = createRouter([{ name: 'shop', match, backends: retiredBackends }]);
    const decision = (await before.route({ head: parsed.head, remoteAddress: '127.0.0.1', requestId: 'r1' })) as ForwardDecision;
    const nextBackends = new Backends([]);
    const after = createRouter([{ name: 'shop', match, backends: nextBackends }]);
    // The request's worker is killed; the reload's new pool is not ready yet.
    retiredBackends.ready = [];
    const retry = decision.retry(reset(), false);
    assert.ok(retry instanceof Promise);
    before.handOver(after);
    nextBackends.ready = [worker('shop#1', 301, 6001)];
    assert.equal(idOf(await retry), 'shop#1@301');
    assert.equal(retiredBackends.starts, 1, 'the retired pool was started again after the hand-over');
    assert.equal(a.load.inFlight, 0);
  });

  it('fails a retry waiting on an app that the reload removed', async () => {
    const backends = new Backends([worker('shop#1', 101, 5001)]);
    const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
    assert.ok('head' in parsed);
    const before = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends }]);
    const decision = (await before.route({ head: parsed.head, remoteAddress: '127.0.0.1', requestId: 'r1' })) as ForwardDecision;
    backends.ready = [];
    const retry = decision.retry(reset(), false);
    before.handOver(createRouter([{ name: 'docs', match: { host: '*', path: '/docs' }, backends: new Backends([]) }]));
    assert.equal(await retry, undefined);
  });

  it('takes a worker whose connect was refused out of routing', async () => {
    unreachable.length = 0;
    const a = worker('shop#1', 101, 5001);
    const b = worker('shop#2', 102, 5002, 5);
    const decision = await forwardOne(new Backends([a, b]));
    assert.equal(idOf(decision.retry(refused(), false) as RetryChoice), 'shop#2@102');
    assert.deepEqual(unreachable, ['shop#1']);
  });

  it('retries on a new incarnation of the same slot', async () => {
    const a = worker('shop#1', 101, 5001);
    const backends = new Backends([a]);
    const decision = await forwardOne(backends);
    backends.ready = [worker('shop#1', 201, 5003)];
    assert.equal(idOf(decision.retry(reset(), false) as RetryChoice), 'shop#1@201');
  });
});

describe('createRouter › route', () => {
  const head = () => {
    const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
    assert.ok('head' in parsed);
    return parsed.head;
  };

  it('decides synchronously when no authenticator is set and a worker is ready (no promise per request)', () => {
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: new Backends([worker('shop#1', 101, 5001)]) }]);
    const decision = router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'r1' });
    assert.ok(!(decision instanceof Promise));
    assert.equal(decision.kind, 'forward');
  });

  // WSGI servers (PATH_INFO is decoded: gunicorn, uWSGI), Go's net/http and others read `%2F` as
  // "/": `/admin%2Fusers` is their `/admin/users`. Matched as sent, it went to the app at `/`, past
  // the authenticator of the app at `/admin`, to a backend that served `/admin/users`; nginx
  // matches its locations after decoding, so `location /admin` guards it.
  it('matches an encoded slash as the separator backends read it as', () => {
    const router = createRouter([
      { name: 'site', match: { host: '*', path: '/' }, backends: new Backends([worker('site#1', 101, 5001)]) },
      { name: 'admin', match: { host: '*', path: '/admin' }, backends: new Backends([worker('admin#1', 102, 5002)]) },
    ]);
    for (const [target, app] of [['/admin%2Fusers', 'admin#1@102'], ['/admin%2fusers?x=1', 'admin#1@102'], ['/%61dmin%2Fusers', 'admin#1@102'], ['/admin%252Fusers', 'site#1@101'], ['/adminx%2Fusers', 'site#1@101']] as const) {
      const parsed = new RequestHeadParser().push(Buffer.from(`GET ${target} HTTP/1.1\r\nhost: shop.test\r\n\r\n`));
      assert.ok('head' in parsed);
      const decision = router.route({ head: parsed.head, remoteAddress: '127.0.0.1', requestId: 'r1' });
      assert.ok(!(decision instanceof Promise) && decision.kind === 'forward', target);
      assert.equal(decision.upstream?.id, app, target);
    }
  });

  it('waits, as a promise, when no worker is ready yet', async () => {
    const backends = new Backends([]);
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends, startupTimeLimit: 0.05 }]);
    const decision = router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'r1' });
    assert.ok(decision instanceof Promise);
    assert.equal((await decision).kind, 'respond');
  });
});

// Portico's stop left a request waiting for a worker (its app starting, or a retry after its worker
// died) waiting on a pool that was stopping for good, until the forwarders closed and cut its
// connection: the client got a reset with no answer, and a request arriving in the stop started
// the app again (a lazy start) only for the stop to stop it.
describe('createRouter › drain (Portico stops)', () => {
  const head = (host = 'shop.test') => {
    const parsed = new RequestHeadParser().push(Buffer.from(`GET / HTTP/1.1\r\nhost: ${host}\r\n\r\n`));
    assert.ok('head' in parsed);
    return parsed.head;
  };

  it('answers 503 to the requests waiting for a worker and to those that would wait, and starts no app, while ready workers serve on', async () => {
    let starts = 0;
    const idle = new Backends([]);
    idle.start = async () => void starts++;
    const pages: string[] = [];
    const router = createRouter(
      [
        { name: 'shop', match: { host: 'shop.test', path: '/' }, backends: idle },
        { name: 'blog', match: { host: 'blog.test', path: '/' }, backends: new Backends([worker('blog#1', 101, 5001)]) },
      ],
      { onErrorPage: (page) => pages.push(`${page.status} ${page.reason}`) },
    );
    const waiting = router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'r1', connection: new Connection() });
    assert.ok(waiting instanceof Promise);
    assert.equal(starts, 1);

    router.drain();
    const answered = await waiting;
    assert.equal(answered.kind === 'respond' && answered.status, 503);
    assert.match(answered.kind === 'respond' ? answered.body : '', /Portico is stopping/);
    assert.equal(router.waiting('shop'), 0);
    const after = router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'r2', connection: new Connection() });
    assert.ok(!(after instanceof Promise), 'answered at once');
    assert.equal(after.kind === 'respond' && after.status, 503);
    assert.equal(starts, 1, 'the app is not started again for a request in the stop');
    assert.deepEqual(pages, ['503 Portico is stopping', '503 Portico is stopping']);
    assert.equal((router.route({ head: head('blog.test'), remoteAddress: '127.0.0.1', requestId: 'r3' }) as { kind: string }).kind, 'forward', 'a ready worker serves on');
  });

  it('answers so a request that waited through a reload, which the router it began on handed over', async () => {
    const idle = new Backends([]);
    const route = { name: 'shop', match: { host: '*', path: '/' }, backends: idle };
    const before = createRouter([route]);
    const waiting = before.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'r1', connection: new Connection() });
    const after = createRouter([route]);
    before.handOver(after);
    before.close();
    after.drain();
    const answered = await waiting;
    assert.equal(answered.kind === 'respond' && answered.status, 503);
    assert.match(answered.kind === 'respond' ? answered.body : '', /Portico is stopping/);
  });
});

/** A client connection as the router sees it (a socket or an HTTP/2 stream): closes when told. */
class Connection extends EventEmitter {
  destroyed = false;
  close(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

// A request waiting for a worker holds a place in the app's queue (queue.maxWaiting) until a
// worker is ready or startupTimeLimit ends. A client that sends a request and leaves (a closed
// socket, a reset HTTP/2 stream) must give its place back at once: before, 1 000 such requests
// had every real client refused with 503 for the rest of a cold start.
describe('createRouter › a client that leaves while its request waits', () => {
  const head = () => {
    const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
    assert.ok('head' in parsed);
    return parsed.head;
  };
  const status = (decision: Awaited<ReturnType<ReturnType<typeof createRouter>['route']>>) => (decision.kind === 'respond' ? decision.status : decision.kind);

  it('gives its place in the queue back at once, and a live client waits instead of a 503', async () => {
    const backends = new Backends([]);
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends, maxWaiting: 2 }]);
    const gone = [new Connection(), new Connection()];
    const left = gone.map(async (connection, i) => router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: `r${i}`, connection }));
    assert.equal(router.waiting('shop'), 2);
    for (const connection of gone) connection.close();
    assert.equal(router.waiting('shop'), 0, 'the clients that left still hold the queue');
    assert.deepEqual((await Promise.all(left)).map(status), [499, 499]);
    const live = router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'live', connection: new Connection() });
    assert.ok(live instanceof Promise, 'the live client was refused at once');
    backends.ready = [worker('shop#1', 101, 5001)];
    assert.equal(status(await live), 'forward');
  });

  it('does not queue a request whose client has already gone, and tells onRequest the client closed it', async () => {
    const counted: Array<[number, boolean, boolean]> = [];
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: new Backends([]), maxWaiting: 1 }], {
      onRequest: (_app, code, _ms, _in, _out, _failed, clientClosed, incomplete) => counted.push([code, clientClosed, incomplete]),
    });
    const connection = new Connection();
    connection.close();
    const decision = router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'r', connection });
    assert.equal(router.waiting('shop'), 0);
    assert.equal(status(await decision), 499);
    assert.deepEqual(counted, [[499, true, false]]);
  });

  // A backend's own 499 is an answer: only the exchange's flag says the client left; and a
  // response cut after its head is counted with that head's status, marked incomplete.
  it('tells onRequest what the exchange says of the client and of the response, whatever the status', async () => {
    const counted: Array<[number, boolean, boolean]> = [];
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: new Backends([worker('shop#1', 101, 5001)]) }], {
      onRequest: (_app, code, _ms, _in, _out, _failed, clientClosed, incomplete) => counted.push([code, clientClosed, incomplete]),
    });
    for (const [status, clientClosed, incomplete] of [[499, false, false], [499, true, false], [200, false, true]] as const) {
      const decision = await router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'r', connection: new Connection() });
      assert.equal(decision.kind, 'forward');
      if (decision.kind === 'forward') decision.release({ status, answered: !clientClosed, bytesIn: 0, bytesOut: 2, clientClosed, incomplete });
    }
    assert.deepEqual(counted, [[499, false, false], [499, true, false], [200, false, true]]);
  });

  // The forwarder reads the clock as a head completes and as an exchange ends, and hands both over
  // (receivedAt, endedAt): the router times the request from them, reading its clock for neither.
  it('times a request from the forwarder\'s readings when it gives them, and from its own clock when it does not', async () => {
    let now = 1_000;
    let reads = 0;
    const clock = { now: () => (reads++, now), setTimeout: () => 0, clearTimeout: () => {} };
    const durations: number[] = [];
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: new Backends([worker('shop#1', 101, 5001)]) }], {
      clock,
      onRequest: (_app, _code, ms) => durations.push(ms),
    });
    const outcome = { status: 200, answered: true, bytesIn: 0, bytesOut: 2, clientClosed: false, incomplete: false };
    const given = await router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'r1', connection: new Connection(), receivedAt: 400 });
    assert.equal(given.kind, 'forward');
    if (given.kind === 'forward') given.release({ ...outcome, endedAt: 650 });
    assert.equal(reads, 0, 'the router read its clock for a request the forwarder timed');
    const own = await router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'r2', connection: new Connection() });
    now = 1_075;
    if (own.kind === 'forward') own.release(outcome);
    assert.deepEqual(durations, [250, 75]);
  });

  // The router counts its own answers when it decides them; one decided after an authenticator's
  // wait is written to nobody if the client left meanwhile (every engine drops it). Before, it was
  // counted with the refusal's status (401) though the client got nothing and had closed.
  it('counts a client that left while its request was authenticated as a client that closed it, not with the refusal it never got', async () => {
    const counted: Array<[number, boolean, boolean]> = [];
    let refuse: (() => void) | undefined;
    const authenticator: NonNullable<Parameters<typeof createRouter>[0][number]['authenticator']> = {
      scheme: 'basic',
      stripOptions: {},
      headerOptions: {},
      authenticate: () => new Promise((resolve) => (refuse = () => resolve({ ok: false, status: 401, headers: [], body: 'no\n', reason: 'no credentials' }))),
      loopsBack: () => false,
      close: async () => {},
    };
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: new Backends([worker('shop#1', 101, 5001)]), authenticator }], {
      onRequest: (_app, code, _ms, _in, _out, _failed, clientClosed, incomplete) => counted.push([code, clientClosed, incomplete]),
    });
    const connection = new Connection();
    const decision = router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'r', connection });
    assert.ok(decision instanceof Promise);
    connection.close();
    refuse!();
    assert.equal(status(await decision), 499);
    assert.deepEqual(counted, [[499, true, false]]);
  });

  it('leaves no close listener on a keep-alive connection once its request is served', async () => {
    const backends = new Backends([]);
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends }]);
    const connection = new Connection();
    const decisions = [0, 1, 2].map(async (i) => router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: `r${i}`, connection }));
    assert.equal(connection.listenerCount('close'), 3);
    backends.ready = [worker('shop#1', 101, 5001)];
    assert.deepEqual((await Promise.all(decisions)).map(status), ['forward', 'forward', 'forward']);
    assert.equal(connection.listenerCount('close'), 0);
  });

  it('ends a retry that waits for the restart when the client leaves, and gives its place back', async () => {
    const a = worker('shop#1', 101, 5001);
    const backends = new Backends([a]);
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends }]);
    const connection = new Connection();
    const decision = (await router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'r', connection })) as ForwardDecision;
    backends.ready = [];
    const retry = decision.retry(reset(), false);
    assert.ok(retry instanceof Promise);
    assert.equal(router.waiting('shop'), 1);
    connection.close();
    assert.equal(router.waiting('shop'), 0);
    assert.equal(await retry, undefined, 'no upstream for a client that left');
    assert.equal(connection.listenerCount('close'), 0);
  });
});

// A forward authenticator's URL that leads back into the same Portico: its subrequest arrived as a
// request for the same app and sent another, a loop of connections until the first timed out.
describe('createRouter › an auth subrequest of this Portico, back for an app that would send another', () => {
  const mark = createSubrequestMark();
  const head = (extra: string) => {
    const parsed = new RequestHeadParser().push(Buffer.from(`GET /auth HTTP/1.1\r\nhost: shop.test\r\n${extra}\r\n`));
    assert.ok('head' in parsed);
    return parsed.head;
  };
  const routed = () => {
    // Port 1 refuses: a request that is authenticated gets 502 without anything listening.
    const authenticator = createAuthenticator({ type: 'forward', url: 'http://127.0.0.1:1/auth' }, { subrequestMark: mark });
    const pages: ErrorPageShown[] = [];
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: new Backends([worker('shop#1', 101, 5001)]), authenticator }], { onErrorPage: (page) => pages.push(page) });
    return { router, pages, authenticator };
  };

  it('is answered 508 with the error page and its correlation id, before any subrequest', async () => {
    const { router, pages, authenticator } = routed();
    const decision = await router.route({ head: head(`x-portico-auth-subrequest: ${mark}\r\n`), remoteAddress: '127.0.0.1', requestId: 'loop-1', connection: new Connection() });
    await authenticator.close();
    assert.equal(decision.kind, 'respond');
    assert.equal(decision.status, 508);
    assert.match(decision.body, /508 Loop detected/);
    assert.match(decision.body, /Correlation id: <code>loop-1<\/code>/);
    assert.deepEqual(pages.map((page) => [page.app, page.status, page.requestId]), [['shop', 508, 'loop-1']]);
  });

  it('is authenticated as any request when a client forges the mark, and never refused as a loop', async () => {
    const { router, pages, authenticator } = routed();
    for (const forged of ['x-portico-auth-subrequest: guess\r\n', `X_Portico_Auth_Subrequest: ${mark.slice(2)}\r\n`, `x-portico-auth-subrequest: ${mark}\r\nx-portico-auth-subrequest: ${mark}\r\n`]) {
      const decision = await router.route({ head: head(forged), remoteAddress: '127.0.0.1', requestId: 'r', connection: new Connection() });
      assert.equal(decision.kind === 'respond' ? decision.status : decision.kind, 502, `the auth service was asked (and refused the connection): ${forged}`);
    }
    await authenticator.close();
    assert.deepEqual(pages, []);
  });
});

describe('createRouter › a failed app', () => {
  it('tells every visitor when the app is started again, on the page and in Retry-After', async () => {
    const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
    assert.ok('head' in parsed);
    const now = 1_000_000;
    const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    const backends = Object.assign(new Backends([]), { state: 'failed' as PoolState, retryAt: now + 42_500 });
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends }], { clock });
    const decision = await router.route({ head: parsed.head, remoteAddress: '127.0.0.1', requestId: 'r1' });
    assert.equal(decision.kind, 'respond');
    if (decision.kind !== 'respond') return;
    assert.equal(decision.status, 502);
    assert.deepEqual(decision.headers.find(([name]) => name === 'retry-after'), ['retry-after', '43']);
    assert.match(decision.body, /it is started again in 43 s, by itself/);
  });
});


describe('createRouter › TRACE', () => {
  async function routeTrace(allowTrace: boolean | undefined): Promise<Awaited<ReturnType<ReturnType<typeof createRouter>['route']>>> {
    const parsed = new RequestHeadParser().push(Buffer.from('TRACE / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
    assert.ok('head' in parsed);
    const backends = new Backends([worker('shop#1', 101, 5001)]);
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends, ...(allowTrace === undefined ? {} : { allowTrace }) }]);
    return router.route({ head: parsed.head, remoteAddress: '127.0.0.1', requestId: 'r1' });
  }

  // Issue 15: a backend that echoes TRACE sent the client a body holding x-portico-token.
  it('refuses TRACE with 405 and an Allow header by default', async () => {
    const decision = await routeTrace(undefined);
    assert.equal(decision.kind, 'respond');
    assert.equal(decision.kind === 'respond' && decision.status, 405);
    const allow = decision.kind === 'respond' ? decision.headers?.find(([name]) => name === 'allow')?.[1] : undefined;
    assert.ok(allow !== undefined && !allow.includes('TRACE'), `allow: ${String(allow)}`);
  });

  it('forwards TRACE for an app that allows it', async () => {
    assert.equal((await routeTrace(true)).kind, 'forward');
  });
});

// Issue 18, "Elastic pools": ties of least outstanding always went to the first worker, so
// sequential requests all went to worker #1 and the others never warmed up.
describe('createRouter › balancing', () => {
  const head = () => {
    const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
    assert.ok('head' in parsed);
    return parsed.head;
  };
  const routeOne = (router: ReturnType<typeof createRouter>) => {
    const decision = router.route({ head: head(), remoteAddress: '127.0.0.1', requestId: 'r' });
    assert.ok(!(decision instanceof Promise) && decision.kind === 'forward');
    return decision;
  };

  it('breaks ties of least outstanding in turn, so sequential requests spread over the workers', () => {
    const workers = [worker('shop#1', 101, 5001), worker('shop#2', 102, 5002), worker('shop#3', 103, 5003)];
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: new Backends(workers) }]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 9; i++) {
      const decision = routeOne(router);
      counts.set(decision.upstream.id, (counts.get(decision.upstream.id) ?? 0) + 1);
      decision.release({ status: 200, answered: true, bytesIn: 0, bytesOut: 0, clientClosed: false, incomplete: false });
    }
    assert.deepEqual(Object.fromEntries(counts), { 'shop#1@101': 3, 'shop#2@102': 3, 'shop#3@103': 3 });
  });

  it('still sends each request to the worker with the fewest in flight when they are not tied', () => {
    const workers = [worker('shop#1', 101, 5001, 5), worker('shop#2', 102, 5002, 0), worker('shop#3', 103, 5003, 2)];
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: new Backends(workers) }]);
    // Requests held, never released: each must go to a worker with the fewest in flight at the time.
    const picked: string[] = [];
    for (let i = 0; i < 8; i++) {
      const fewest = Math.min(...workers.map((w) => w.load.inFlight));
      const decision = routeOne(router);
      const chosen = workers.find((w) => `${w.id}@${w.pid}` === decision.upstream.id)!;
      assert.equal(chosen.load.inFlight - 1, fewest, `request ${i} went to ${decision.upstream.id} with ${chosen.load.inFlight - 1} in flight, not ${fewest}`);
      picked.push(chosen.id);
    }
    // 5,0,2: #2 twice alone, then #2 and #3 up to 5 each; #1, with 5 from the start, never.
    assert.deepEqual(picked.slice(0, 2), ['shop#2', 'shop#2']);
    assert.ok(!picked.includes('shop#1'), picked.join(' '));
    assert.deepEqual(workers.map((w) => w.load.inFlight), [5, 5, 5]);
  });
});

// A WebSocket's tunnel holds its worker (a drain waits for it) until the client's connection
// closes: the router hears the close on the connection the request came on, a real socket here.
describe('createRouter › WebSocket tunnels', () => {
  const upgrade = async (connection: net.Socket) => {
    const workers = [worker('shop#1', 101, 5001)];
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: new Backends(workers) }]);
    const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n'));
    assert.ok('head' in parsed);
    const decision = (await router.route({ head: parsed.head, remoteAddress: '127.0.0.1', requestId: 'r', connection })) as ForwardDecision;
    decision.release({ status: 101, answered: true, bytesIn: 0, bytesOut: 0, clientClosed: false, incomplete: false });
    return workers[0]!.load;
  };

  it('holds the worker from the 101 until the client connection closes', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    const [accepted] = (await once(server, 'connection')) as [net.Socket];
    const load = await upgrade(accepted);
    assert.deepEqual([load.inFlight, load.tunnels], [0, 1]);
    client.destroy();
    await once(accepted, 'close');
    assert.equal(load.tunnels, 0);
    server.close();
  });

  it('holds nothing when the connection closed before the 101 was over', async () => {
    const socket = new net.Socket();
    socket.destroy();
    assert.equal((await upgrade(socket)).tunnels, 0);
  });
});

describe('createRouter › reloads over a long life', () => {
  it('stops following its pools once closed: a pool kept over 1000 reloads has one router listening', async () => {
    // A pool the reload keeps (its app did not change; in a front, every pool's mirror) outlives
    // each router made over it, and every reload, restart and rollout makes one. Each router that
    // stayed subscribed was kept, with its apps, for as long as the pool lived.
    const backends = new Backends([]);
    const route = { name: 'shop', match: { host: '*', path: '/' }, backends };
    let router = createRouter([route]);
    const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
    assert.ok('head' in parsed);
    const waiting = router.route({ head: parsed.head, remoteAddress: '127.0.0.1', requestId: 'r1' });
    for (let reload = 0; reload < 1000; reload++) {
      const next = createRouter([route]);
      router.handOver(next);
      router.close();
      router = next;
    }
    assert.equal(backends.listenerCount, 1);
    // A request that waited through every reload is still woken by the pool it waits on.
    backends.ready = [worker('shop#1', 101, 5001)];
    assert.equal(((await waiting) as ForwardDecision).upstream.id, 'shop#1@101');
    router.close();
    assert.equal(backends.listenerCount, 0);
  });
});

describe('createRouter › a worker slot restarted over a long life', () => {
  const heapAfterCollection = (): number => {
    global.gc!();
    global.gc!();
    return process.memoryUsage().heapUsed;
  };

  it('keeps what it knows of the processes that answered per slot, not per process ever restarted in it', async function () {
    if (global.gc === undefined) this.skip();
    // A crash restart in a slot makes a new worker actor, whose id counts the slot's starts
    // (`shop#1#2`, `shop#1#3`, …), and a router lives until the next reload: it kept, per id ever
    // seen, the pid that had answered, for as long as it lived.
    const load = { inFlight: 0 };
    const backends = new Backends([]);
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends }]);
    const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
    assert.ok('head' in parsed);
    const restarts = async (from: number, count: number) => {
      for (let start = from; start < from + count; start++) {
        backends.ready = [{ ...worker(`shop#1#${start}`, 10_000 + start, 5001), load }];
        const decision = (await router.route({ head: parsed.head, remoteAddress: '127.0.0.1', requestId: `r${start}` })) as ForwardDecision;
        assert.equal(decision.hasAnswered(decision.upstream), false, 'a new process has answered nothing');
        decision.release({ status: 200, answered: true, bytesIn: 0, bytesOut: 0, clientClosed: false, incomplete: false });
        assert.equal(decision.hasAnswered(decision.upstream), true);
      }
    };
    await restarts(0, 1000);
    const before = heapAfterCollection();
    await restarts(1000, 50_000);
    const grown = heapAfterCollection() - before;
    assert.ok(grown < 1024 * 1024, `the router grew ${Math.round(grown / 1024)} KiB over 50 000 restarts of one slot`);
  });
});
