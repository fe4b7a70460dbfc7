import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createOutputCapture, type OutputCaptureEvent } from '../src/index.ts';

function written(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

describe('retention of capture files, in one process', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-retention-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("compresses a predecessor's file when it ends, after its successor's sweep had to skip it", async () => {
    // A restart reports the exit before the last output is read: the successor opens its file
    // while the predecessor's is still written, and its sweep must leave that file alone.
    const prefix = join(dir, 'shop');
    const retention = { compress: true };
    const events: OutputCaptureEvent[] = [];
    const old = createOutputCapture({ enabled: true, file: prefix, pid: 11, retention, onEvent: (e) => events.push(e) });
    await written(old.stdout, 'last words\n');
    const successor = createOutputCapture({ enabled: true, file: prefix, pid: 12, retention, onEvent: (e) => events.push(e) });
    await written(successor.stdout, 'started\n');
    assert.deepEqual(events, [], 'nothing to compress while both write');

    await old.close();
    const [oldFile] = old.files;
    assert.deepEqual(events, [{ event: 'output.pruned', prefix, deleted: [], compressed: [oldFile] }]);
    assert.equal(gunzipSync(await readFile(`${oldFile}.gz`)).toString(), 'last words\n');
    // The successor's own end compresses its file in turn: no file of an ended process stays plain.
    await successor.close();
    const names = (files: readonly string[]) => files.map((path) => `${path.split('/').at(-1)}.gz`);
    assert.deepEqual((await readdir(dir)).sort(), [...names(old.files), ...names(successor.files)].sort());
  });
});
