// The fronts' supervisor gives up after 10 restarts within 60 s (docs/proxy.md, Fronts): it stops
// every front, the healthy ones too. Portico then went on running with no front: the control
// process kept the listening sockets bound, so the kernel went on completing handshakes that no
// process would ever accept, and every client hung until its own timeout, while a service
// manager saw a process alive and restarted nothing. Now Portico stops when the fronts are given
// up on: the sockets close (a client is refused at once), the apps drain, and `portico start`
// exits non-zero (69), for systemd's Restart=on-failure or a container's restart policy.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { app } from './helpers/portico.ts';
import { startPorticoCli, stopAllPorticoClis } from './helpers/porticoCli.ts';

/** The pids of the front processes `control` runs now (its children running frontMain), from /proc. */
async function frontPids(control: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${control}/task`).catch(() => []);
  const children = (await Promise.all(tasks.map((task) => readFile(`/proc/${control}/task/${task}/children`, 'utf8').catch(() => '')))).join(' ').split(/\s+/).filter(Boolean).map(Number);
  const fronts = await Promise.all(children.map(async (pid) => ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('frontMain') ? pid : undefined)));
  return fronts.filter((pid) => pid !== undefined);
}

describe('fronts: restarted too often', function () {
  // The supervisor's backoff between the restarts (0.1 s doubling to 5 s) adds up to about 30 s.
  this.timeout(150_000);
  afterEach(stopAllPorticoClis);

  it('stop Portico, which closes its sockets and exits 69, instead of leaving clients to hang', async () => {
    const cli = await startPorticoCli({ fronts: 2, apps: [app('shop')] });
    const exited = new Promise<number | null>((resolve) => cli.child.on('exit', (code) => resolve(code)));
    // A front killed, then each new front killed as soon as it is spawned, until the supervisor
    // gives up (the 11th exit within 60 s). Each is killed from /proc, not when `portico status`
    // shows it serving: under load a status command's process took 8 s to start, a front as much
    // to serve, and eleven exits then took longer than the supervisor's 60 s, so it never gave up.
    const initial = await frontPids(cli.child.pid!);
    assert.equal(initial.length, 2, 'two fronts run');
    const killed = new Set<number>();
    for (let next: number | undefined = initial[0]; killed.size < 11; ) {
      if (next === undefined) {
        await sleep(20);
      } else {
        process.kill(next, 'SIGKILL');
        killed.add(next);
      }
      next = (await frontPids(cli.child.pid!)).find((pid) => !initial.includes(pid) && !killed.has(pid));
    }
    assert.equal(await exited, 69, `portico start exited with ${cli.child.exitCode}: ${cli.stderr()}`);
    assert.match(cli.stdout(), /"event":"front\.gave_up"/);
    assert.match(cli.stdout(), /"event":"portico\.stopped"/);
    // The port is closed: a client is refused at once, never left waiting for an accept.
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: cli.port });
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    assert.equal(refused, 'ECONNREFUSED');
  });
});
