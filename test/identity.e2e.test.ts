import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeProcessHost } from '@portico/worker-actor';
import { changed } from './helpers/load.ts';
import { app, json, request, startPortico, stopAllPorticos, type Started } from './helpers/portico.ts';

const fixtures = fileURLToPath(new URL('fixtures/', import.meta.url));
const nobody = Number(/^nobody:[^:]*:(\d+):(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))?.[1] ?? NaN);

/** The real, effective, saved and filesystem ids of `pid`, from /proc/<pid>/status. */
function ids(pid: number, which: 'Uid' | 'Gid'): number[] {
  const line = new RegExp(`^${which}:\\s+(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
  return line.split(/\s+/).map(Number);
}

const readyPid = (started: Started) => started.portico.status().apps[0]?.workers.find((w) => w.state === 'ready')?.pid;

// Issue 18, "Identity and isolation": Portico may run as root to bind ports 80 and 443, and runs
// each app as its own account. Before, every backend ran as Portico's user (the key did not exist).
describe('an app\'s user', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);
  before(function () {
    if (process.getuid?.() !== 0 || !Number.isInteger(nobody)) this.skip(); // switching user needs root and a nobody account
  });

  for (const cgroups of [true, false]) {
    it(`runs the backend under the uid and gid of user "nobody" (${cgroups ? 'in its cgroup' : 'process group only'}), with capture files it cannot rewrite`, async () => {
      const host = createNodeProcessHost({ cgroups });
      try {
        const started = await startPortico(
          { apps: [app('shop', { start: 'eager', user: 'nobody', workingDirectory: fixtures, stdoutLogEnabled: true, stdoutLogFile: 'logs/shop' })] },
          undefined,
          { host },
        );
        await changed(started.portico, () => readyPid(started) !== undefined);
        const pid = readyPid(started)!;
        assert.deepEqual(ids(pid, 'Uid'), [nobody, nobody, nobody, nobody]);
        const group = Number(/^nobody:[^:]*:\d+:(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))![1]);
        assert.deepEqual(ids(pid, 'Gid'), [group, group, group, group]);
        // It serves, as nobody.
        assert.equal(json(await request(started.port, '/')).pid, pid);
        if (cgroups && host.isolation!().kind === 'cgroup') {
          assert.match(/^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))![1]!, /\/portico-\d+-\d+\/shop-\d+$/, 'Portico moved it into its cgroup');
        }
        // The capture file is Portico's: the backend's account may not write it.
        const logs = join(started.dir, 'logs');
        const file = join(logs, readdirSync(logs).find((f) => f.startsWith('shop_'))!);
        const stat = statSync(file);
        assert.equal(stat.uid, 0);
        assert.equal(stat.mode & 0o002, 0, 'not writable by others');
        assert.ok(!started.logs.some((l) => l['event'] === 'worker.runs_as_root'));
      } finally {
        await stopAllPorticos();
        await host.close?.();
      }
    });
  }

  for (const cgroups of [true, false]) {
    it(`runs the backend under the group the app names, without Portico's supplementary groups (${cgroups ? 'in its cgroup' : 'process group only'})`, async () => {
      const host = createNodeProcessHost({ cgroups });
      const daemon = Number(/^daemon:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1] ?? NaN);
      const own = process.getgroups!();
      // Groups Portico holds that the backend must not inherit (root here holds none of its own).
      process.setgroups!([2, 3]);
      try {
        const started = await startPortico({ apps: [app('shop', { start: 'eager', user: 'nobody', group: 'daemon', workingDirectory: fixtures })] }, undefined, { host });
        await changed(started.portico, () => readyPid(started) !== undefined);
        const pid = readyPid(started)!;
        assert.deepEqual(ids(pid, 'Uid'), [nobody, nobody, nobody, nobody]);
        assert.deepEqual(ids(pid, 'Gid'), [daemon, daemon, daemon, daemon]);
        assert.equal(/^Groups:(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!.trim(), '', 'no supplementary group');
      } finally {
        process.setgroups!(own);
        await stopAllPorticos();
        await host.close?.();
      }
    });
  }

  it('says so when, as root, an app names no user and its backend runs as root', async () => {
    const started = await startPortico({ apps: [app('shop', { start: 'eager' })] });
    await changed(started.portico, () => readyPid(started) !== undefined);
    assert.equal(ids(readyPid(started)!, 'Uid')[0], 0);
    assert.ok(started.logs.some((l) => l['event'] === 'worker.runs_as_root' && l['app'] === 'shop'));
  });

  it('refuses a user the system does not know, naming it', async () => {
    await assert.rejects(startPortico({ apps: [app('shop', { user: 'no-such-user-here' })] }), /apps\[0\]\.user.*no user "no-such-user-here"/s);
  });
});
