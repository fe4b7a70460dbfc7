import assert from 'node:assert/strict';
import { createActor } from 'xstate';
import type { ChildSpec } from '../../src/index.ts';
import { newRecord } from '../../src/internal/ChildRecord.ts';
import { ChildTable } from '../../src/internal/ChildTable.ts';
import { testChild } from '../helpers/testChild.ts';

const spec = (id: string, more: Partial<ChildSpec> = {}): ChildSpec => ({ id, logic: testChild, input: { log: [], name: id }, ...more });

describe('ChildTable', () => {
  it('keeps the counts, the live incarnations and the significant children true through a child’s life', () => {
    const table = new ChildTable();
    const worker = newRecord(spec('w', { significant: true }));
    const nested = newRecord(spec('s', { kind: 'supervisor' }));
    table.add(worker);
    table.add(nested);
    assert.deepEqual(table.counts(), { specs: 2, active: 0, supervisors: 1, workers: 1 });
    assert.equal(table.liveSignificant, 1);

    table.incarnate(worker, createActor(testChild, { id: 'w#1', input: { log: [], name: 'w' } }));
    assert.equal(worker.actorId, 'w#1');
    assert.equal(table.byActorId('w#1'), worker);
    assert.equal(table.counts().active, 1);

    table.forgetIncarnation(worker);
    assert.equal(table.byActorId('w#1'), undefined, 'events from a forgotten incarnation are stale');
    assert.equal(worker.ref, undefined);
    assert.equal(table.counts().active, 0);

    table.setState(worker, 'terminated');
    assert.equal(table.liveSignificant, 0);
    table.remove(nested);
    assert.deepEqual(table.counts(), { specs: 1, active: 0, supervisors: 0, workers: 1 });
    assert.deepEqual(Array.from(table.forward(), (child) => child.spec.id), ['w']);
    assert.deepEqual(table.capture()().map((info) => `${info.id}:${info.state}`), ['w:terminated']);
  });

  it('walks on past the child it just yielded when that child is removed, either way', () => {
    const table = new ChildTable();
    for (const id of ['a', 'b', 'c']) table.add(newRecord(spec(id)));
    const walked = (walk: Generator<{ spec: ChildSpec }>) => Array.from(walk, (child) => (table.remove(child as never), child.spec.id));
    assert.deepEqual(walked(table.backward()), ['c', 'b', 'a']);
    for (const id of ['a', 'b', 'c']) table.add(newRecord(spec(id)));
    assert.deepEqual(walked(table.forward()), ['a', 'b', 'c']);
  });
});
