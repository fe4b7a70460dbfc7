import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { listenerOwnedBy } from '../src/internal/listenerOwner.ts';

// A process group whose leader is a shell and whose listener is the shell's child, as with a
// backend started through a wrapper script or a gunicorn master.
async function groupWithListenerInAChild(): Promise<{ leader: ChildProcess; port: number }> {
  const listen = "require('node:net').createServer().listen(0, '127.0.0.1', function () { console.log(this.address().port); })";
  const leader = spawn('/bin/sh', ['-c', `"${process.execPath}" -e "${listen}"; true`], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(leader.stdout!, 'data')) as [Buffer];
  return { leader, port: Number(line.toString().trim()) };
}

(existsSync('/proc/net/tcp') ? describe : describe.skip)('listenerOwnedBy', () => {
  let leader: ChildProcess | undefined;
  afterEach(() => {
    if (leader?.pid !== undefined) process.kill(-leader.pid, 'SIGKILL');
    leader = undefined;
  });

  it('finds a listener held by a member of the group, not only by its leader', async () => {
    const group = await groupWithListenerInAChild();
    leader = group.leader;
    assert.equal(await listenerOwnedBy(group.port, group.leader.pid!), true);
    assert.equal(await listenerOwnedBy(group.port, process.pid), false, 'another group does not own it');
  });

  it('stops scanning the group once its signal is aborted, and answers false', async () => {
    // A readiness probe of a worker that was stopped must leave no scan of /proc running behind it.
    const group = await groupWithListenerInAChild();
    leader = group.leader;
    const stopped = new AbortController();
    stopped.abort();
    assert.equal(await listenerOwnedBy(group.port, group.leader.pid!, stopped.signal), false);
  });
});
