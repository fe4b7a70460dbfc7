import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { InvalidEventDefinitionError, PorticoEvents, type PorticoEvent } from '../src/index.ts';
import { defineEventCatalogue } from '../src/internal/defineEventCatalogue.ts';

const events: PorticoEvent[] = Object.values(PorticoEvents);

interface DocRow {
  id: number;
  name: string;
  level: string;
  fields: string[];
}

async function documentedEvents(): Promise<DocRow[]> {
  const doc = await readFile(new URL('../../../docs/events.md', import.meta.url), 'utf8');
  const rows: DocRow[] = [];
  for (const line of doc.split('\n')) {
    const match = /^\|\s*(\d+)\s*\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|.*\|([^|]*)\|\s*$/.exec(line);
    if (match === null) continue;
    const [, id, name, level, fields] = match as unknown as [string, string, string, string, string];
    rows.push({ id: Number(id), name, level, fields: [...fields.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '') });
  }
  return rows;
}

describe('PorticoEvents', () => {
  it('gives every event a unique id', () => {
    const ids = events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('keys every event by its own unique dotted name', () => {
    for (const [key, event] of Object.entries(PorticoEvents)) {
      assert.equal(event.name, key);
      assert.match(key, /^[a-z]+(\.[a-z][a-z0-9_]*)+$/);
    }
    assert.equal(new Set(events.map((e) => e.name)).size, events.length);
  });

  it('holds the events the worker, the supervisor and the output capture report', () => {
    const required = [
      'supervisor.child_started', 'supervisor.child_start_failed', 'supervisor.child_exited',
      'supervisor.child_restarting', 'supervisor.child_stopped', 'supervisor.gave_up', 'supervisor.auto_shutdown',
      'worker.spawned', 'worker.ready', 'worker.start_failed', 'worker.startup_timeout', 'worker.port_in_use_retry',
      'worker.exited', 'worker.shutdown_sent', 'worker.graceful_shutdown_failed', 'worker.rapid_fail_limit',
      'output.capture_failed', 'output.rotated',
    ];
    assert.deepEqual(required.filter((name) => !(name in PorticoEvents)), []);
  });

  it('documents every event in docs/events.md with its id, level and fields', async () => {
    const rows = await documentedEvents();
    const wrong = events
      .filter((e) => {
        const row = rows.find((r) => r.name === e.name);
        return row === undefined || row.id !== e.id || row.level !== e.level || row.fields.join() !== e.fields.join();
      })
      .map((e) => `| ${e.id} | \`${e.name}\` | ${e.level} | … | ${e.fields.map((f) => `\`${f}\``).join(', ')} |`);
    assert.deepEqual(wrong, [], 'add or fix these rows in docs/events.md');
  });

  it('lists the events in docs/events.md in the order of their ids', async () => {
    const rows = await documentedEvents();
    const misplaced = rows.flatMap((row, i) => (i > 0 && row.id < rows[i - 1]!.id ? [`${row.id} \`${row.name}\` after ${rows[i - 1]!.id}`] : []));
    assert.deepEqual(misplaced, [], 'move these rows of docs/events.md to their place by id');
  });

  it('documents no event that the catalogue lacks', async () => {
    const known = new Set(events.map((e) => e.name));
    const extra = (await documentedEvents()).filter((row) => !known.has(row.name)).map((row) => row.name);
    assert.deepEqual(extra, []);
  });

  it('refuses a catalogue that reuses an id', () => {
    const line = { level: 'info', fields: [], meaning: 'x' } as const;
    assert.throws(
      () => defineEventCatalogue({ 'a.one': { id: 1000, ...line }, 'a.two': { id: 1000, ...line } }),
      (error: unknown) => error instanceof InvalidEventDefinitionError && /reuses id 1000 of "a\.one"/.test(error.message),
    );
  });

  it('refuses a name that is not dotted and a field that pino already writes', () => {
    assert.throws(() => defineEventCatalogue({ exited: { id: 1000, level: 'info', fields: [], meaning: 'x' } }), InvalidEventDefinitionError);
    assert.throws(() => defineEventCatalogue({ 'a.b': { id: 1000, level: 'warn', expectedLevel: 'info', fields: [], meaning: 'x' } }), /no "expected" field/);
    assert.throws(() => defineEventCatalogue({ 'a.b': { id: 1000, level: 'info', fields: ['pid'], meaning: 'x' } }), InvalidEventDefinitionError);
  });
});
