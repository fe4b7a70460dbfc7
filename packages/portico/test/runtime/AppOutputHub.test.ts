import assert from 'node:assert/strict';
import type { AppOutputLine } from '@portico/listener';
import { AppOutputHub } from '../../src/runtime/AppOutputHub.ts';

const line = (text: string) => ({ stream: 'stdout' as const, time: 1, text });

describe('AppOutputHub', () => {
  it('forgets the lines of an app a reload removed, and keeps none its stopping processes write after, while subscribers still get them', () => {
    const configured = new Set(['shop', 'gone']);
    const hub = new AppOutputHub((name) => configured.has(name));
    const heard: AppOutputLine[] = [];
    hub.subscribe((l) => heard.push(l));
    hub.push('shop', 'shop#1', 10, [line('a')]);
    hub.push('gone', 'gone#1', 11, [line('b')]);
    assert.deepEqual(hub.recent()?.map((l) => l.line), ['a', 'b']);

    configured.delete('gone');
    hub.forget('gone');
    hub.push('gone', 'gone#1', 11, [line('last words')]);
    assert.deepEqual(hub.recent()?.map((l) => l.line), ['a']);
    assert.equal(hub.recent('gone'), undefined);
    assert.deepEqual(heard.map((l) => l.line), ['a', 'b', 'last words']);
  });

  it('forgets only the app named, not one whose name it starts', () => {
    const hub = new AppOutputHub(() => true);
    hub.push('shop', 'shop#1', 10, [line('a')]);
    hub.push('shop2', 'shop2#1', 12, [line('c')]);
    hub.forget('shop');
    assert.deepEqual(hub.recent()?.map((l) => l.line), ['c']);
  });
});
