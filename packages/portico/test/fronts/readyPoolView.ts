import type { PoolView } from '../../src/fronts/FrontMessage.ts';

/** The control's view of app `shop`'s pool, ready, with one worker per pid (`shop#<pid>`, all at the same endpoint). */
export function readyPoolView(...pids: number[]): PoolView {
  return {
    state: 'ready',
    ready: pids.map((pid) => ({ id: `shop#${pid}`, pid, endpoint: { kind: 'tcp', host: '127.0.0.1', port: 1 }, token: 't' })),
    lastExit: undefined,
    retryIn: undefined,
    held: false,
  };
}
