import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppOffline, maxOfflinePageBytes } from '../../src/routing/AppOffline.ts';

/** Waits until `check` holds, up to `ms`; answers whether it did. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describe('AppOffline', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-offline-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the file as it ends up when it is written in many pieces (a copy in progress), never an earlier read', async () => {
    // Every write is a change event and a read of the file; reads go through the thread pool and
    // may finish out of order, and a read that started earlier must not win over a later one.
    for (let round = 0; round < 5; round++) {
      const file = join(dir, `app_offline-${round}.htm`);
      const offline = new AppOffline(file, () => {});
      await offline.start();
      const handle = await open(file, 'w');
      let written = '';
      for (let i = 0; i < 300; i++) {
        const piece = `<p>${round}.${i}</p>`;
        await handle.write(piece);
        written += piece;
      }
      await handle.close();
      const settled = await eventually(() => offline.content === written, 3000);
      offline.close();
      assert.ok(settled, `round ${round}: the page stayed at ${offline.content?.length ?? 'no'} characters of ${written.length}`);
    }
  });

  it('changes nothing once closed, even for a read that was in flight', async () => {
    const file = join(dir, 'app_offline.htm');
    const handle = await open(file, 'w');
    await handle.write('<h1>Back soon</h1>');
    await handle.close();
    const changes: boolean[] = [];
    const offline = new AppOffline(file, (isOffline) => changes.push(isOffline));
    // start() reads the file through the thread pool: closed in the same turn, the read is in flight.
    const starting = offline.start();
    offline.close();
    await starting;
    assert.deepEqual(changes, []);
    assert.equal(offline.content, undefined);
  });

  it('holds at most maxOfflinePageBytes of a page however large the file, and serves its beginning', async () => {
    const file = join(dir, 'app_offline.htm');
    await writeFile(file, Buffer.alloc(3 * maxOfflinePageBytes, 'a'));
    const offline = new AppOffline(file, () => {});
    await offline.start();
    offline.close();
    assert.equal(offline.content?.length, maxOfflinePageBytes);
  });

  it('stays offline for an app_offline.htm it cannot read (a folder of that name), with an empty page', async () => {
    const file = join(dir, 'app_offline.htm');
    await mkdir(file);
    const offline = new AppOffline(file, () => {});
    await offline.start();
    offline.close();
    assert.equal(offline.content, '');
  });

  it('stays offline for an app_offline.htm that is a FIFO no one writes to, without holding a thread of the pool', async () => {
    // Opening a FIFO for reading waits for a writer: four such reads would take all four of
    // libuv's threads, and every later file-system call of the process would wait with them.
    const fifos = [0, 1, 2, 3, 4].map((i) => join(dir, `fifo-${i}`, 'app_offline.htm'));
    for (const fifo of fifos) {
      await mkdir(dirname(fifo));
      execFileSync('mkfifo', [fifo]);
    }
    const offlines = fifos.map((fifo) => new AppOffline(fifo, () => {}));
    try {
      const started = Promise.all(offlines.map((offline) => offline.start()));
      const later = readFile(join(dir, 'fifo-0')).catch(() => 'read');
      const outcome = await Promise.race([
        Promise.all([started, later]).then(() => 'done'),
        new Promise((resolve) => setTimeout(resolve, 10_000, 'stuck')),
      ]);
      assert.equal(outcome, 'done', 'the FIFOs held the thread pool');
      for (const offline of offlines) assert.equal(offline.content, '');
    } finally {
      for (const offline of offlines) offline.close();
      // A reader still waiting in open() is let go by a writer's open.
      for (const fifo of fifos) {
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          // No reader waits on it.
        }
      }
    }
  });

  it('goes offline when the file appears and online when it goes, with the content of the file', async () => {
    const file = join(dir, 'app_offline.htm');
    const changes: boolean[] = [];
    const offline = new AppOffline(file, (isOffline) => changes.push(isOffline));
    await offline.start();
    assert.equal(offline.content, undefined);
    const handle = await open(file, 'w');
    await handle.write('<h1>Back soon</h1>');
    await handle.close();
    assert.ok(await eventually(() => offline.content === '<h1>Back soon</h1>', 3000), 'offline with the page');
    await rm(file);
    assert.ok(await eventually(() => offline.content === undefined, 3000), 'online again');
    offline.close();
    assert.deepEqual(changes, [true, false]);
  });
});
