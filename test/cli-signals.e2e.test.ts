import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { echoBackend, json, request } from './helpers/portico.ts';
import { launcher, startPorticoCli, startPorticoCommand, stopAllPorticoClis, type RunningCli } from './helpers/porticoCli.ts';
import { isAlive } from './helpers/processes.ts';
import { cpuSecondsOf } from './helpers/processFigures.ts';

/** Resolves once `file` holds `text`: a request has reached the backend. */
async function untilFileHolds(file: string, text: string): Promise<void> {
  for (;;) {
    const content = await readFile(file, 'utf8').catch(() => '');
    if (content.includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `portico start` with `fronts` fronts and one request to a slow backend (1.5 s) in flight: it has reached the backend. */
async function slowRequestInFlight(fronts: number): Promise<{ portico: RunningCli; reply: ReturnType<typeof request> }> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-signals-'));
  const arrivals = join(dir, 'arrivals');
  const portico = await startPorticoCli(
    {
      fronts,
      apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend], start: 'eager', environmentVariables: { DELAY_MS: '1500', ARRIVALS_FILE: arrivals } }],
    },
    dir,
  );
  const reply = request(portico.port, '/slow');
  await untilFileHolds(arrivals, '/slow');
  return { portico, reply };
}

/** A config with `watch: true` and one app, whose environment says `version`: each version is a change to reload. */
function watchedConfig(version: string): string {
  return JSON.stringify({
    listen: [{ port: 0, host: '127.0.0.1' }],
    fronts: 1,
    watch: true,
    apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend], environmentVariables: { VERSION: version } }],
  });
}

// A hostile or careless operator's signals (the task of the session's "opsattack" helper).
describe('portico start under signals and a watched file', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticoClis);

  // Failed before: the stop took SIGHUP's listener off, so Node's default handler killed Portico
  // (exit 129) mid-drain and the request in flight was cut.
  it('keeps draining through a SIGHUP storm during its graceful stop: the request in flight is answered, exit 0', async () => {
    const { portico, reply } = await slowRequestInFlight(1);
    const exited = new Promise<number | null>((resolve) => portico.child.on('exit', resolve));
    portico.child.kill('SIGTERM');
    await portico.waitForStdout(/"event":"portico.stopping"/);
    for (let i = 0; i < 5; i++) portico.child.kill('SIGHUP');
    const answered = await reply;
    assert.equal(answered.status, 200);
    assert.equal(json(answered).url, '/slow');
    assert.equal(await exited, 0);
    assert.match(portico.stdout(), /"event":"config.reload_failed".*"problems":\["Portico is stopping; nothing was changed"\]/);
  });

  // A second SIGTERM or Ctrl-C during the drain ends Portico at once, as documented; the log just
  // stopped there, with no word of why (a launcher such as pnpm exec sends a terminal's Ctrl-C
  // twice). Failed before: no portico.stop_forced line.
  it('says why it exits at once, exit 1, on a second SIGTERM during its graceful stop', async () => {
    const { portico, reply } = await slowRequestInFlight(1);
    const exited = new Promise<number | null>((resolve) => portico.child.on('exit', resolve));
    portico.child.kill('SIGTERM');
    await portico.waitForStdout(/"event":"portico.stopping"/);
    portico.child.kill('SIGTERM');
    assert.equal(await exited, 1);
    await reply.catch(() => undefined);
    assert.match(portico.stdout(), /"event":"portico.stop_forced","eventId":1506,"signal":"SIGTERM"/);
  });

  // Failed before: a front met Node's default for SIGHUP and died with the connections it held,
  // though SIGHUP means reload to Portico: `systemctl kill -s HUP` (every process of the unit's
  // cgroup), `kill -HUP -PGID` or a terminal's hangup reach the fronts as well as the control.
  it('keeps its fronts through a SIGHUP sent to every process of the group: the request in flight is answered, the config reloaded', async () => {
    const { portico, reply } = await slowRequestInFlight(2);
    const fronts = [...portico.stdout().matchAll(/"event":"front.ready".*?"frontPid":(\d+)/g)].map((m) => Number(m[1]));
    assert.equal(fronts.length, 2, portico.stdout());
    portico.child.kill('SIGHUP');
    for (const pid of fronts) process.kill(pid, 'SIGHUP');
    await portico.waitForStdout(/"event":"config.reloaded"/);
    const answered = await reply;
    assert.equal(answered.status, 200);
    assert.equal(json(answered).url, '/slow');
    for (const pid of fronts) assert.ok(isAlive(pid), `front ${pid} lives`);
    assert.doesNotMatch(portico.stdout(), /"event":"front.exited"/);
    assert.equal(await portico.stop(), 0);
  });

  // Failed before: the handlers were installed once the start was done, so a SIGTERM while the
  // fronts came up killed Portico by the signal (no exit code, no portico.stopped).
  it('stops gracefully, exit 0, on a SIGTERM sent while it is still starting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-signals-'));
    const file = join(dir, 'portico.json');
    // Six fronts on a small machine take a while to come up: the signal lands during the start.
    await writeFile(file, JSON.stringify({ listen: [{ port: 0, host: '127.0.0.1' }], fronts: 6, apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend] }] }));
    const child = spawn(process.execPath, [launcher, 'start', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('"event":"front.ready"')) resolve();
      }),
    );
    assert.doesNotMatch(stderr, /serving/, 'the signal is sent before the start is done');
    child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null], stderr);
    assert.match(stdout, /"event":"portico.stopped"/);
  });

  // Failed before: the file's own watch followed its first inode, so after one atomic save (a
  // rename over it, as vim and sed -i do) no change was seen again, nor after a delete and write.
  it('reloads on every save with watch: true, by rename, after a delete, and in place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-signals-'));
    const file = join(dir, 'portico.json');
    await writeFile(file, watchedConfig('1'));
    const portico = await startPorticoCommand(process.execPath, [launcher, 'start', '-c', file], { cwd: dir });
    const reloaded = /"event":"config.reloaded","eventId":1500,"changed":\["shop"\]/;
    const pids = [json(await request(portico.port, '/')).pid];
    const saves = [
      async (text: string) => {
        await writeFile(`${file}.tmp`, text);
        await rename(`${file}.tmp`, file);
      },
      async (text: string) => {
        await writeFile(`${file}.tmp`, text);
        await rename(`${file}.tmp`, file);
      },
      async (text: string) => {
        await rm(file);
        await writeFile(file, text);
      },
      (text: string) => writeFile(file, text),
    ];
    for (const [i, save] of saves.entries()) {
      await save(watchedConfig(String(i + 2)));
      await portico.waitForStdout(reloaded, i + 1);
      pids.push(json(await request(portico.port, '/')).pid);
    }
    assert.equal(new Set(pids).size, pids.length, `each save started a new process: ${pids}`);
    assert.equal(await portico.stop(), 0);
    assert.equal([...portico.stdout().matchAll(new RegExp(reloaded.source, 'g'))].length, saves.length);
    for (const pid of pids) assert.ok(!isAlive(pid), `backend ${pid} outlived portico`);
  });

  // Failed before: any change in the config's folder put the reload off until the folder had been
  // quiet for 0.5 s, so a config beside a file written more often than that (an app's log, a busy
  // /tmp) was never reloaded, however often it was saved.
  it('reloads with watch: true though another file in the config\'s folder is written every 100 ms', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-signals-'));
    const file = join(dir, 'portico.json');
    await writeFile(file, watchedConfig('1'));
    const portico = await startPorticoCommand(process.execPath, [launcher, 'start', '-c', file], { cwd: dir });
    let lines = 0;
    const chatty = setInterval(() => void appendFile(join(dir, 'app.log'), `line ${++lines}\n`), 100);
    try {
      await writeFile(file, watchedConfig('2'));
      await portico.waitForStdout(/"event":"config.reloaded","eventId":1500,"changed":\["shop"\]/);
    } finally {
      clearInterval(chatty);
    }
    assert.equal(await portico.stop(), 0);
  });

  // A Kubernetes ConfigMap's volume: the file is a link through `..data`, which the kubelet points
  // at a new folder by a rename. The old folder stays here (the kubelet removes it a moment
  // later), so the file's own watch, on the old file, sees nothing: the folder's watch counts
  // `..` names for it.
  it('reloads with watch: true when a ConfigMap\'s ..data link is swapped to a new folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-signals-'));
    const publish = async (version: string): Promise<void> => {
      const folder = `..2026_12_07_${version}`;
      await mkdir(join(dir, folder));
      await writeFile(join(dir, folder, 'portico.json'), watchedConfig(version));
      await symlink(folder, join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    };
    await publish('1');
    const file = join(dir, 'portico.json');
    await symlink(join('..data', 'portico.json'), file);
    const portico = await startPorticoCommand(process.execPath, [launcher, 'start', '-c', file], { cwd: dir });
    await publish('2');
    await portico.waitForStdout(/"event":"config.reloaded","eventId":1500,"changed":\["shop"\]/);
    assert.equal(await portico.stop(), 0);
  });

  // Failed before: SIGUSR2 (nodemon's restart, nginx's binary upgrade) met Node's default and
  // killed Portico without a drain, and SIGUSR1 opened Node's inspector on 127.0.0.1:9229, where
  // any local user could run code as Portico's user, in the control process and in each front.
  // systemd's `systemctl reload` right after `systemctl start` (ExecReload=kill -HUP $MAINPID), or
  // a SIGHUP to the group while Portico still loaded its modules or read its config, met Node's
  // default handler and ended Portico, which Restart=on-failure made a restart (review7's
  // finding). The config here is large enough (40 000 variables) that reading it takes a while;
  // the signals go once the process has used 200 ms of CPU, past Node's own start-up, so they
  // land in that window whatever the machine's load. Ended by SIGHUP before.
  it('survives SIGHUPs sent while it loads its modules and reads its config, and reads the config again once started, once for them all', async function () {
    this.timeout(120_000);
    const dir = await mkdtemp(join(tmpdir(), 'portico-signals-'));
    const file = join(dir, 'portico.yaml');
    const variables = Array.from({ length: 40_000 }, (_, i) => `      V${i}: x`).join('\n');
    await writeFile(file, `listen: [{ port: 0, host: 127.0.0.1 }]\nfronts: 1\napps:\n  - name: shop\n    processPath: ${JSON.stringify(process.execPath)}\n    arguments: [${JSON.stringify(echoBackend)}]\n    environmentVariables:\n${variables}\n`);
    const child = spawn(process.execPath, [launcher, 'start', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    const cpuSeconds = (pid: number) => {
      const { user, kernel } = cpuSecondsOf(pid);
      return user + kernel;
    };
    let ended: [number | null, NodeJS.Signals | null] | undefined;
    void exited.then((result) => (ended = result));
    try {
      while (ended === undefined && cpuSeconds(child.pid!) < 0.2) await new Promise((resolve) => setTimeout(resolve, 5));
      let sent = 0;
      while (ended === undefined && !stderr.includes('serving')) {
        child.kill('SIGHUP');
        sent++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(ended, undefined, `portico ended (${JSON.stringify(ended)}) after ${sent} SIGHUP(s) while it started: ${stderr}`);
      assert.ok(sent > 0, 'no SIGHUP was sent before it served: the config was read too fast for this test');
      // The signals asked for the file again: it is read once more once Portico runs.
      while (!stdout.includes('"event":"config.reloaded"')) await new Promise((resolve) => setTimeout(resolve, 20));
      const port = Number(/serving http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr)![1]);
      assert.equal((await request(port, '/')).status, 200);
      child.kill('SIGTERM');
      assert.deepEqual(await exited, [0, null], stderr);
      // However many came, the signals sent while one reload waited its turn asked for that one.
      const reloads = stdout.match(/"event":"config\.reloaded"/g)!.length;
      assert.ok(reloads <= 2, `${reloads} reloads for ${sent} SIGHUPs sent before Portico served`);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ignores SIGUSR1 and SIGUSR2, in the control process and in its fronts: no inspector opens, and it serves on', async () => {
    const portico = await startPorticoCli({ fronts: 2, apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend] }] });
    const fronts = [...portico.stdout().matchAll(/"event":"front.ready".*?"frontPid":(\d+)/g)].map((m) => Number(m[1]));
    assert.equal(fronts.length, 2, portico.stdout());
    portico.child.kill('SIGUSR1');
    portico.child.kill('SIGUSR2');
    for (const pid of fronts) process.kill(pid, 'SIGUSR1');
    await portico.waitForStdout(/"event":"portico.signal_ignored","eventId":1505,"signal":"SIGUSR2"/);
    await portico.waitForStdout(/"event":"portico.signal_ignored","eventId":1505,"signal":"SIGUSR1"/);
    for (let i = 0; i < 4; i++) assert.equal((await request(portico.port, '/')).status, 200);
    for (const pid of fronts) assert.ok(isAlive(pid), `front ${pid} lives`);
    assert.equal(await portico.stop(), 0);
    assert.doesNotMatch(portico.stderr(), /Debugger listening/);
  });
});
