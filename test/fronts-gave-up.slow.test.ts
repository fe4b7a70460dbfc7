// The fronts' supervisor gives up after 10 restarts within 60 s (docs/proxy.md, Fronts): it stops
// every front, the healthy ones too. Portico then went on running with no front: the control
// process kept the listening sockets bound, so the kernel went on completing handshakes that no
// process would ever accept, and every client hung until its own timeout, while a service
// manager saw a process alive and restarted nothing. Now Portico stops when the fronts are given
// up on: the sockets close (a client is refused at once), the apps drain, and `portico start`
// exits non-zero (69), for systemd's Restart=on-failure or a container's restart policy.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { PorticoStatus } from '@portico/listener';
import { app } from './helpers/portico.ts';
import { launcher, startPorticoCli, stopAllPorticoClis } from './helpers/porticoCli.ts';

const run = promisify(execFile);

describe('fronts: restarted too often', function () {
  // Ten restarts take about 30 s of backoff (0.1 s doubling to 5 s).
  this.timeout(150_000);
  afterEach(stopAllPorticoClis);

  it('stop Portico, which closes its sockets and exits 69, instead of leaving clients to hang', async () => {
    const cli = await startPorticoCli({ fronts: 2, admin: { port: 0 }, apps: [app('shop')] });
    const status = async () => JSON.parse((await run(process.execPath, [launcher, 'status', '--json', '-c', cli.file])).stdout) as PorticoStatus;
    const exited = new Promise<number | null>((resolve) => cli.child.on('exit', (code) => resolve(code)));
    let killed = 0;
    // Front 1 killed each time it serves again, until the supervisor gives up (the 11th exit).
    while (killed < 11) {
      const front = (await status()).fronts![0]!;
      if (front.state !== 'serving' || front.pid === undefined || front.restarts !== killed) {
        await sleep(50);
        continue;
      }
      process.kill(front.pid, 'SIGKILL');
      killed++;
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
