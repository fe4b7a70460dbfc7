import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changed, settled, startLoad } from './helpers/load.ts';
import { app, startPortico, stopAllPorticos, type Started } from './helpers/portico.ts';

const readyPids = (started: Started) => started.portico.status().apps[0]?.workers.filter((w) => w.state === 'ready').map((w) => w.pid) ?? [];

// Issue 18, "Restart on change": a deploy that changes an app's files had to be followed by
// `portico restart`. Failed before: the key did not exist.
describe('watchedFiles', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('restarts the app when a watched file changes, with no failed request, ignoring node_modules', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-watch-'));
    const site = join(dir, 'site');
    await mkdir(join(site, 'node_modules'), { recursive: true });
    await writeFile(join(site, 'version.txt'), '1');
    const started = await startPortico({ apps: [app('shop', { start: 'eager', processesPerApplication: 2, workingDirectory: './site', watchedFiles: ['.', 'missing.txt'] })] }, dir);
    await changed(started.portico, () => readyPids(started).length === 2);
    const before = readyPids(started);
    const load = startLoad(started.port, '/', 4);
    await settled(load.tally);
    // A change below node_modules alone restarts nothing; the change of version.txt does.
    await writeFile(join(site, 'node_modules', 'dep.js'), 'x');
    await writeFile(join(site, 'version.txt'), '2');
    await changed(started.portico, () => started.logs.some((l) => l['event'] === 'app.rolled_out' && l['reason'] === 'watch'));
    await settled(load.tally);
    const after = readyPids(started);
    assert.ok(after.length === 2 && after.every((pid) => !before.includes(pid)), `new workers ${after} replaced ${before}`);
    // One at a time, as portico restart does: each old worker replaced in turn.
    assert.deepEqual(
      started.logs.filter((l) => l['event'] === 'worker.recycled').map((l) => [l['workerPid'], l['reason']]),
      before.map((pid) => [pid, 'watch']),
    );
    const tally = await load.stop();
    assert.equal(tally.failed, 0, `${tally.failed} of ${tally.requests} failed: ${tally.errors.join(' | ')}`);
    const events = started.logs.filter((l) => l['event'] === 'app.files_changed');
    assert.equal(events.length, 1, JSON.stringify(events));
    assert.deepEqual(events[0]!['files'], [join(site, 'version.txt')]);
    // A path that is not there is said, not dropped.
    const failed = started.logs.find((l) => l['event'] === 'app.watch_failed');
    assert.deepEqual(failed?.['paths'], [`${join(site, 'missing.txt')} (ENOENT)`]);
  });

  // Failed before: a watched file was watched by its inode, so after one atomic save (a rename
  // over it, as editors and deploy tools write) no later change restarted the app.
  it('restarts the app on each atomic save of a watched file, not only the first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-watch-'));
    await writeFile(join(dir, 'version.txt'), '1');
    const started = await startPortico({ apps: [app('shop', { start: 'eager', watchedFiles: ['version.txt'] })] }, dir);
    await changed(started.portico, () => readyPids(started).length === 1);
    const saves = () => started.logs.filter((l) => l['event'] === 'app.rolled_out' && l['reason'] === 'watch').length;
    for (let version = 2; version <= 4; version++) {
      await writeFile(join(dir, 'version.tmp'), String(version));
      await rename(join(dir, 'version.tmp'), join(dir, 'version.txt'));
      await changed(started.portico, () => saves() === version - 1);
    }
    const events = started.logs.filter((l) => l['event'] === 'app.files_changed');
    assert.ok(events.every((e) => JSON.stringify(e['files']) === JSON.stringify([join(dir, 'version.txt')])), JSON.stringify(events));
  });
});
