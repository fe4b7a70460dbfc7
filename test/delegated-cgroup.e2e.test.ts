import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launcher, startPorticoCommand, stopAllPorticoClis } from './helpers/porticoCli.ts';

const daemonising = fileURLToPath(new URL('fixtures/daemonising-backend.mjs', import.meta.url));

/** Where cgroup v2 is mounted here, if it is and Portico may create cgroups in it (root). */
const mount = readFileSync('/proc/mounts', 'utf8')
  .split('\n')
  .map((line) => line.split(' '))
  .find((fields) => fields[2] === 'cgroup2')?.[1];
const usable = mount !== undefined && process.getuid?.() === 0 && existsSync(join(mount, 'cgroup.procs'));

const cgroupOf = (pid: number) => /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1];
const procs = (cgroup: string) => readFileSync(join(mount!, cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);

function runs(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

let count = 0;

/**
 * A cgroup as systemd's `Delegate=yes` gives a service: Portico is started in it (the shell writes
 * its pid to cgroup.procs before exec'ing Portico, as systemd does before exec'ing ExecStart=),
 * with limits for its app. Resolves once the app's daemonised grandchild has started.
 */
async function startDelegated(cgroup: string): Promise<{ portico: Awaited<ReturnType<typeof startPorticoCommand>>; grandchild: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-delegated-'));
  const grandchildFile = join(dir, 'grandchild.pid');
  const config = {
    listen: [{ port: 0, host: '127.0.0.1' }],
    apps: [{ name: 'shop', processPath: process.execPath, startupTimeLimit: 10, shutdownTimeLimit: 2, arguments: [daemonising], start: 'eager', memoryMax: '64M', cpuQuota: 50, tasksMax: 32, environmentVariables: { GRANDCHILD_FILE: grandchildFile } }],
  };
  const file = join(dir, 'portico.json');
  await writeFile(file, JSON.stringify(config));
  const procsFile = join(mount!, cgroup, 'cgroup.procs');
  const portico = await startPorticoCommand('sh', ['-c', `echo $$ > '${procsFile}' && exec "$0" "$@"`, process.execPath, launcher, 'start', '-c', file], { cwd: dir });
  await portico.waitForStdout(/"event":"worker.ready"/);
  return { portico, grandchild: Number(readFileSync(grandchildFile, 'utf8')) };
}

/** Removes `cgroup` and what is left below it, deepest first, once its processes are gone. */
function removeCgroup(path: string): void {
  if (!existsSync(path)) return;
  for (const entry of readdirSync(path, { withFileTypes: true })) if (entry.isDirectory()) removeCgroup(join(path, entry.name));
  rmdirSync(path);
}

// Issue 18, "Identity and isolation": under systemd's Delegate=yes Portico starts in a non-root
// cgroup that holds it, and the kernel lets such a cgroup enable no controller for its children.
// Portico moves its own processes into the leaf <own>/portico first and makes its workers'
// subtree a sibling of it. This machine's cgroup v2 has no controller to enable (a hybrid
// hierarchy): what ran here is the move, the layout, the kill and the reasons (docs/worker.md).
describe(`Portico in a delegated cgroup${usable ? '' : ' (skipped here: needs root and a cgroup v2 mount)'}`, function () {
  this.timeout(60_000);
  let cgroup: string;
  const strays: number[] = [];

  beforeEach(function () {
    if (!usable) this.skip();
    cgroup = `/portico-delegated-test-${process.pid}-${++count}`;
    mkdirSync(join(mount!, cgroup));
  });

  afterEach(async () => {
    await stopAllPorticoClis();
    for (const pid of strays.splice(0)) process.kill(pid, 'SIGKILL');
    if (cgroup === undefined || !existsSync(join(mount!, cgroup))) return;
    // The kernel ends what is left (a grandchild of a failed case) before the cgroup can go.
    if (existsSync(join(mount!, cgroup, 'cgroup.kill'))) writeFileSync(join(mount!, cgroup, 'cgroup.kill'), '1');
    for (let tries = 0; ; tries++) {
      try {
        removeCgroup(join(mount!, cgroup));
        return;
      } catch (error) {
        if (tries > 200) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  });

  it('moves its own processes into a leaf and puts its workers\' cgroups beside it; a stop still ends a daemonised grandchild', async () => {
    const { portico, grandchild } = await startDelegated(cgroup);
    const pid = portico.child.pid!;
    assert.equal(cgroupOf(pid), `${cgroup}/portico`, 'Portico moved itself into the leaf');
    assert.deepEqual(procs(cgroup), [], 'the delegated cgroup holds no process: Portico\'s children (fronts) moved too');
    const workers = cgroupOf(grandchild)!;
    assert.match(workers, new RegExp(`^${cgroup}/portico-${pid}-1/shop-\\d+$`), 'the daemonised grandchild is in its worker\'s cgroup');
    assert.equal(dirname(dirname(workers)), cgroup, 'the workers\' subtree is a sibling of the leaf');
    const line = JSON.parse((await portico.waitForStdout(/\{[^\n]*"event":"worker.limits_unavailable"[^\n]*/))[0]) as { why: string };
    // Here cgroup v2 has no controller to give (a hybrid hierarchy); where it has, they are enabled.
    if (mount!.endsWith('/unified')) assert.match(line.why, new RegExp(`^Portico's cgroup ${mount}${cgroup} is given no memory, cpu or pids controller in cgroup v2: a hybrid hierarchy`));
    assert.equal(await portico.stop(), 0);
    assert.ok(!runs(grandchild), `the daemonised grandchild ${grandchild} outlived the stop`);
  });

  it('moves no process that is not its own: with another in its cgroup it stays, and says why', async () => {
    const other = spawn('sleep', ['1000'], { stdio: 'ignore' });
    strays.push(other.pid!);
    writeFileSync(join(mount!, cgroup, 'cgroup.procs'), String(other.pid));
    const { portico, grandchild } = await startDelegated(cgroup);
    assert.equal(cgroupOf(other.pid!), cgroup, 'the other process was left where it was');
    assert.equal(cgroupOf(portico.child.pid!), cgroup, 'Portico stayed: enabling controllers cannot succeed beside another\'s process');
    assert.match(cgroupOf(grandchild)!, new RegExp(`^${cgroup}/portico-\\d+-1/shop-\\d+$`), 'workers still get cgroups of their own');
    const line = JSON.parse((await portico.waitForStdout(/\{[^\n]*"event":"worker.limits_unavailable"[^\n]*/))[0]) as { why: string };
    assert.match(line.why, new RegExp(`it also holds processes that are not Portico's \\(${other.pid} \\(sleep\\)\\), and Portico moves only its own`));
    assert.equal(await portico.stop(), 0);
    assert.ok(!runs(grandchild), `the daemonised grandchild ${grandchild} outlived the stop`);
  });
});
