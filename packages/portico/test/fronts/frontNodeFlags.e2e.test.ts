import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { frontNodeFlags } from '../../src/fronts/frontNodeFlags.ts';

// A front ignores SIGUSR1 from its first line, but a signal that comes while Node is still loading
// its modules finds Node's own handler, which opens the inspector on 127.0.0.1:9229 to every local
// user. Here a process with a front's flags sends itself SIGUSR1 before any handler of its own
// exists (the window, made certain), and its stderr is read for the inspector's banner.
describe('a front process started with its Node flags', function () {
  this.timeout(20_000);

  it('opens no inspector on SIGUSR1, even before its first line runs, where the Node line lets it say so', async function () {
    if (!process.allowedNodeEnvironmentFlags.has('--disable-sigusr1')) this.skip(); // Node 20: no such flag
    const script = "process.kill(process.pid, 'SIGUSR1'); setTimeout(() => {}, 500);";
    const child = spawn(process.execPath, ['--inspect-port=127.0.0.1:0', ...frontNodeFlags({ frontGc: 'single-threaded' }, []), '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, null, `the process was ended by ${signal}`);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /Debugger listening/);
  });

  it('without the flag, the same signal opens the inspector (what the flag holds off)', async function () {
    if (!process.allowedNodeEnvironmentFlags.has('--disable-sigusr1')) this.skip();
    const script = "process.kill(process.pid, 'SIGUSR1'); setTimeout(() => process.exit(0), 500);";
    // A port of the kernel's choosing, so that this test takes no fixed port on the machine.
    const child = spawn(process.execPath, ['--inspect-port=127.0.0.1:0', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await once(child, 'exit');
    assert.match(stderr, /Debugger listening/);
  });
});
