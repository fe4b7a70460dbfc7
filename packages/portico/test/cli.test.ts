import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, realpath, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@portico/log-sink';
import { ConfigInvalidError, createPortico, loadConfig, resolveConfig, type Portico, type PorticoConfig } from '@portico/portico';
import { freePort } from '@portico/test-support';
import { main } from '../src/cli/main.ts';
import { configFolder, minimal } from './config/fixtures.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const launcher = fileURLToPath(new URL('../bin/portico.js', import.meta.url));
const example = fileURLToPath(new URL('../../../examples/portico.json', import.meta.url));
const chatty = fileURLToPath(new URL('./fixtures/chatty-backend.mjs', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `portico` in this process: `main` with a `CliIo` that collects what it prints, which is
 * everything a command touches of the outside world. A few cases below spawn the real launcher.
 */
async function portico(args: readonly string[], extraEnv: Record<string, string | undefined> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const env = { ...process.env, ...extraEnv };
  for (const [key, value] of Object.entries(extraEnv)) if (value === undefined) delete env[key];
  delete env['NODE_OPTIONS'];
  const code = await main(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env, cwd: root });
  return { code, stdout, stderr };
}

const adminToken = 'a-token-for-the-cli-tests-0123456789-abcdef';

/** Runs the real launcher under plain node, as a user's shell would. */
function spawnPortico(args: readonly string[], file = process.execPath, prefix: readonly string[] = [launcher]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    execFile(file, [...prefix, ...args], { cwd: root, env, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

describe('portico (command line)', () => {
  let folder: Awaited<ReturnType<typeof configFolder>>;
  before(async () => {
    folder = await configFolder();
  });
  after(() => folder.remove());

  it('check prints the resolved config as JSON on stdout and exits 0', async () => {
    const file = await folder.write('ok.json', minimal({ arguments: 'server.js --port 0' }));
    const run = await portico(['check', '-c', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), await loadConfig(file, { env: process.env }));
    assert.match(run.stderr, /valid \(1 listener, 1 app\)/);
  });

  it('check takes the file as its argument as well as with -c (regression: "Unexpected argument")', async () => {
    const file = await folder.write('plain.json', minimal({ arguments: 'server.js --port 0' }));
    const run = await portico(['check', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), await loadConfig(file, { env: process.env }));
    const twice = await portico(['check', '-c', file, file]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /give the config file once/);
    const two = await portico(['check', file, file]);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /check takes one config file, got 2/);
  });

  it('check shows a JSON syntax error at its line and column, with the line and a caret', async () => {
    const file = await folder.write('syntax.json', '{\n  "listen": [{ "port": 8080 }]\n  "apps": []\n}\n');
    const run = await portico(['check', file]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      `${file}: 1 problem; fix each and run "portico check" again:\n  ${file}:3:3: is not valid JSON at line 3, column 3: expected , or } after the value, found "\\""\n      "apps": []\n      ^\n`,
    );
  });

  describe('init', () => {
    /** Runs `portico init` in a folder of its own. */
    async function init(args: readonly string[]): Promise<Run & { dir: string }> {
      const dir = await mkdtemp(join(folder.dir, 'init-'));
      let stdout = '';
      let stderr = '';
      const code = await main(['init', ...args], { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env: process.env, cwd: dir });
      return { code, stdout, stderr, dir };
    }

    it('writes a commented portico.yaml for a command that portico check accepts as it is', async () => {
      const run = await init(['--', process.execPath, chatty, '--verbose']);
      assert.equal(run.code, 0, run.stderr);
      const file = join(run.dir, 'portico.yaml');
      const text = await readFile(file, 'utf8');
      assert.ok(text.split('\n').filter((line) => /^\s*#/.test(line)).length >= 8, text);
      const config = await loadConfig(file, { env: process.env });
      assert.equal(config.apps.length, 1);
      assert.equal(config.apps[0]!.processPath, process.execPath);
      assert.deepEqual(config.apps[0]!.arguments, [chatty, '--verbose']);
      assert.equal(config.admin?.port, 9901);
      assert.equal(config.listen[0]!.port, 8080);
      const check = await portico(['check', file]);
      assert.equal(check.code, 0, check.stderr);
      assert.match(run.stderr, /wrote .*portico\.yaml/);
      assert.match(run.stderr, /portico start -c portico\.yaml/);
    });

    it('gives gunicorn and uvicorn the port Portico chooses, and names the app with --name', async () => {
      const gunicorn = await init(['--name', 'shop', '--port', '9000', '--', 'gunicorn', 'app:app']);
      assert.equal(gunicorn.code, 0, gunicorn.stderr);
      const shop = await loadConfig(join(gunicorn.dir, 'portico.yaml'), { env: process.env });
      // --preload: gunicorn's master imports the app before it binds, so the tcp readiness check
      // (the default) passes only once the app imported (docs/worker.md, Readiness). Without it,
      // the master bound first and a broken import counted as ready.
      assert.deepEqual([shop.apps[0]!.name, shop.apps[0]!.processPath, shop.apps[0]!.arguments, shop.listen[0]!.port], ['shop', 'gunicorn', ['-b', '127.0.0.1:${PORT}', '--preload', 'app:app'], 9000]);
      assert.deepEqual(shop.apps[0]!.readiness, { kind: 'tcp' });
      const uvicorn = await init(['--', 'uvicorn', 'main:app']);
      const api = await loadConfig(join(uvicorn.dir, 'portico.yaml'), { env: process.env });
      assert.deepEqual(api.apps[0]!.arguments, ['--host', '127.0.0.1', '--port', '${PORT}', 'main:app']);
      // A command that already says where to listen is left as it is.
      const bound = await init(['--', 'gunicorn', '-b', '127.0.0.1:${PORT}', 'app:app']);
      const kept = await loadConfig(join(bound.dir, 'portico.yaml'), { env: process.env });
      assert.deepEqual(kept.apps[0]!.arguments, ['--preload', '-b', '127.0.0.1:${PORT}', 'app:app']);
      // A gunicorn config of its own decides (integrations/python/gunicorn.conf.py signals readiness, with notify).
      const configured = await init(['--', 'gunicorn', '-c', 'gunicorn.conf.py', 'app:app']);
      assert.deepEqual((await loadConfig(join(configured.dir, 'portico.yaml'), { env: process.env })).apps[0]!.arguments, ['-b', '127.0.0.1:${PORT}', '-c', 'gunicorn.conf.py', 'app:app']);
    });

    it('keeps an existing file unless --force, writes where -o says, and needs a command', async () => {
      const first = await init(['--', 'node', 'server.js']);
      const again = await main(['init', '--', 'node', 'other.js'], { stdout: () => {}, stderr: () => {}, env: process.env, cwd: first.dir });
      assert.equal(again, 1);
      assert.match(await readFile(join(first.dir, 'portico.yaml'), 'utf8'), /server\.js/);
      assert.equal(await main(['init', '--force', '--', 'node', 'other.js'], { stdout: () => {}, stderr: () => {}, env: process.env, cwd: first.dir }), 0);
      assert.match(await readFile(join(first.dir, 'portico.yaml'), 'utf8'), /other\.js/);
      const elsewhere = await init(['-o', 'conf/site.yml', '--', 'node', 'server.js']);
      assert.equal(elsewhere.code, 0, elsewhere.stderr);
      assert.match(await readFile(join(elsewhere.dir, 'conf', 'site.yml'), 'utf8'), /server\.js/);
      const none = await init([]);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /portico init -- COMMAND/);
      const json = await init(['-o', 'portico.json', '--', 'node', 'server.js']);
      assert.equal(json.code, 2);
      assert.match(json.stderr, /\.yaml or \.yml/);
    });
  });

  describe('service', () => {
    /** `[Section] key=value` lines of a unit, continuation lines joined. */
    function unitKeys(text: string): Map<string, string[]> {
      const keys = new Map<string, string[]>();
      let section = '';
      for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
        const line = raw.trim();
        if (line === '' || line.startsWith('#')) continue;
        const header = /^\[(.+)\]$/.exec(line);
        if (header) section = header[1]!;
        else keys.set(`${section}.${line.slice(0, line.indexOf('='))}`, [...(keys.get(`${section}.${line.slice(0, line.indexOf('='))}`) ?? []), line.slice(line.indexOf('=') + 1)]);
      }
      return keys;
    }

    it('prints a systemd unit that starts this config with this node and this portico, and reloads it over the admin endpoint', async () => {
      const file = await folder.write('svc/site.json', minimal({ shutdownTimeLimit: 25 }, { admin: { port: 9901 } }));
      const run = await portico(['service', '-c', file]);
      assert.equal(run.code, 0, run.stderr);
      const unit = unitKeys(run.stdout);
      const realLauncher = await realpath(launcher);
      assert.deepEqual(unit.get('Service.ExecStart'), [`${process.execPath} ${realLauncher} start -c ${file} --log-format json`]);
      assert.deepEqual(unit.get('Service.ExecReload'), [`${process.execPath} ${realLauncher} reload -c ${file}`]);
      assert.deepEqual(unit.get('Service.WorkingDirectory'), [dirname(file)]);
      assert.deepEqual(unit.get('Service.User'), [userInfo().username]);
      assert.deepEqual(unit.get('Service.KillMode'), ['mixed']);
      assert.deepEqual(unit.get('Service.Delegate'), ['yes'], 'the unit\'s cgroup is Portico\'s: each worker gets a cgroup, with its limits, as User= too');
      assert.deepEqual(unit.get('Service.TimeoutStopSec'), ['40'], 'the longest shutdownTimeLimit (25 s) and 15 s');
      assert.ok(unit.get('Service.Environment')?.some((line) => /^"?PATH=/.test(line)), 'the PATH its commands were found in');
      assert.deepEqual(unit.get('Install.WantedBy'), ['multi-user.target']);
      assert.match(run.stderr, /sudo tee \/etc\/systemd\/system\/portico-site\.service/);
    });

    it('reloads by SIGHUP when the config has no admin endpoint, and refuses an invalid config (exit 1)', async () => {
      const file = await folder.write('svc/plain.json', minimal());
      const unit = unitKeys((await portico(['service', file])).stdout);
      assert.deepEqual(unit.get('Service.ExecReload'), ['/bin/kill -HUP $MAINPID']);
      const bad = await folder.write('svc/bad.json', '{"listen": [}');
      const run = await portico(['service', '-c', bad]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
    });

    it('passes systemd-analyze verify', async function () {
      const present = await new Promise<boolean>((resolve) => execFile('systemd-analyze', ['--version'], (error) => resolve(!error)));
      if (!present) {
        console.log('      (systemd-analyze is not installed: the unit is checked by the reader above only)');
        return this.skip();
      }
      const file = await folder.write('svc/verify.json', minimal({}, { admin: { port: 9901 } }));
      const run = await portico(['service', '-c', file, '--name', 'portico-verify']);
      const unit = join(folder.dir, 'svc', 'portico-verify.service');
      await writeFile(unit, run.stdout);
      const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile('systemd-analyze', ['verify', '--man=no', unit], (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr })),
      );
      assert.equal(code, 0, stderr);
      assert.equal(stderr.trim(), '', 'no warnings');
    });
  });

  it('check accepts examples/portico.json', async () => {
    const run = await spawnPortico(['check', '--config', example]);
    assert.equal(run.code, 0, run.stderr);
  });

  it('check lists every problem on stderr, one per line, and exits 1', async () => {
    const file = await folder.write('bad.yaml', 'listen: [{ port: 70000 }]\napps:\n  - name: shop\n    processPath: node\n    startupTimelimit: 5\n');
    const run = await portico(['check', '-c', file]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trimEnd().split('\n');
    assert.match(lines[0]!, /2 problems/);
    assert.match(lines[1]!, /listen\[0\]\.port = 70000: is out of range/);
    assert.match(lines[2]!, /apps\[0\]\.startupTimelimit: is not a known key; did you mean "startupTimeLimit"\?/);
  });

  it('check resolves a relative -c against the working directory', async () => {
    const run = await portico(['check', '-c', 'examples/portico.json']);
    assert.equal(run.code, 0, run.stderr);
  });

  it('check without a config file is a usage error, exit 2', async () => {
    const run = await portico(['check']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /check needs a config file/);
    assert.match(run.stderr, /portico check --help/);
  });

  it('an unknown option is a usage error, exit 2', async () => {
    const run = await portico(['check', '--conf', example]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Unknown option '--conf'/);
  });

  it('an unknown command is a usage error with a suggestion, exit 2', async () => {
    const run = await portico(['chek']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command "chek"; did you mean "check"\?/);
  });

  it('logs refuses a hostile --lines or --since before asking anyone, exit 2, saying what it takes', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--lines=-5'], /--lines takes a whole number of lines from 0 to 999999999, got "-5"/],
      [['--lines', 'abc'], /--lines takes a whole number/],
      [['--lines', '99999999999'], /--lines takes a whole number of lines from 0 to 999999999, got "99999999999"/],
      [['--lines', '-5'], /--lines/],
      [['--since', '10'], /--since takes a duration/],
      [['--since', 'x 5'], /--since takes a duration/],
      [['--since', 'garbage'], /--since takes a duration/],
    ];
    for (const [args, says] of cases) {
      // Port 9 (discard) is never asked: the options are refused first.
      const run = await portico(['logs', '-a', '127.0.0.1:9', ...args]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, says, args.join(' '));
    }
  });

  for (const command of ['check', 'start', 'status', 'reload', 'logs']) {
    it(`${command} --help prints its usage and exits 0`, async () => {
      const run = await portico([command, '--help']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: portico ${command}`));
      assert.match(run.stdout, /-h, --help/);
    });
  }

  it('--help lists every command and the exit statuses', async () => {
    const run = await portico(['--help']);
    assert.equal(run.code, 0);
    for (const command of ['check', 'start', 'status', 'reload', 'logs']) assert.match(run.stdout, new RegExp(`^  ${command} `, 'm'));
    assert.match(run.stdout, /Exit status: 0 done, 1 refused \(invalid config, unknown app\), 2 usage error, 69 admin endpoint unreachable/);
  });

  it('without arguments prints the help on stderr and exits 2', async () => {
    const run = await portico([]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Usage: portico <command>/);
  });

  it('--version prints the package version', async () => {
    const run = await spawnPortico(['--version']);
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(run.stdout, `${pkg.version}\n`);
  });

  it('runs through the workspace bin shim that "pnpm exec portico" uses', async () => {
    const run = await spawnPortico(['check', '-c', 'examples/portico.json'], `${root}node_modules/.bin/portico`, []);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).apps[0].name, 'hello');
  });

  describe('against a running Portico', () => {
    let running: Portico;
    let admin: string;
    let front: number;
    let refuseReload: (() => Error) | undefined;

    before(async function () {
      this.timeout(20_000);
      const config = resolveConfig(
        {
          listen: [{ port: 0, host: '127.0.0.1' }],
          admin: { port: 0, host: '127.0.0.1', socket: join(folder.dir, 'run', 'admin.sock'), tokenFile: await folder.write('admin-token', adminToken) },
          apps: [
            { name: 'shop', processPath: process.execPath, arguments: [chatty], start: 'eager', startupTimeLimit: 10, shutdownTimeLimit: 2 },
            { name: 'reports', processPath: process.execPath, arguments: [chatty], match: { path: '/reports' }, startupTimeLimit: 10, shutdownTimeLimit: 2 },
          ],
        },
        { file: join(folder.dir, 'running.json'), baseDir: folder.dir },
      );
      const loadAgain = async (): Promise<PorticoConfig> => {
        const refusal = refuseReload?.();
        if (refusal) throw refusal;
        return config;
      };
      running = createPortico(config, { logger: createLogger({ destination: new PassThrough().resume(), pretty: false }), loadConfig: loadAgain });
      const started = await running.start();
      admin = `127.0.0.1:${started.admin!.port}`;
      // `-a HOST:PORT` reads the token from the environment of the command.
      process.env['PORTICO_ADMIN_TOKEN'] = adminToken;
      front = started.listen[0]!.port;
      await until(running, () => running.ready());
    });
    after(() => {
      delete process.env['PORTICO_ADMIN_TOKEN'];
      return running.stop();
    });

    const worker = () => running.status().apps[0]!.workers[0]!;

    it('status prints a table of the apps and their workers', async () => {
      const run = await portico(['status', '-a', admin]);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.split('\n');
      assert.match(lines[0]!, new RegExp(`^Portico 0\\.1\\.0, pid ${process.pid}, up \\d+s$`));
      assert.match(lines[2]!, /^APP \/ WORKER +STATE +PID +PORT +UPTIME +RESTARTS +IN-FLIGHT +REQUESTS +CPU +CPU TIME +MEMORY +FDS +LAST EXIT$/);
      // The app's row sums its workers: in flight, requests, CPU, memory and open files (`-` before the first sample).
      assert.match(lines[3]!, /^shop +ready +0 +\d+ +(-|\d+\.\d%) +(-|\d+\.\ds) +(-|\d+\.\d MiB) +(-|\d+)$/);
      const { pid, endpoint } = worker();
      const port = endpoint?.kind === 'tcp' ? endpoint.port : -1;
      assert.match(lines[4]!, new RegExp(`^  shop#1 +ready +${pid} +${port} +\\d+s +0 +0 +\\d+ +(-|\\d+\\.\\d%) +(-|\\d+\\.\\ds) +(-|\\d+\\.\\d MiB) +(-|\\d+) +-$`));
      assert.match(lines[5]!, /^reports +idle$/);
    });

    /** Runs `status -w` in this process until it has drawn the table `draws` times, then interrupts it as Ctrl-C would. */
    async function watchStatus(args: readonly string[], terminal: boolean, draws: number): Promise<Run & { writes: string[] }> {
      const interrupt = new AbortController();
      const writes: string[] = [];
      let stderr = '';
      const code = await main(['status', '-w', '--interval', '0.2', '-a', admin, ...args], {
        stdout: (text) => {
          writes.push(text);
          if (writes.filter((w) => w.includes('APP / WORKER')).length >= draws) interrupt.abort();
        },
        stderr: (text) => (stderr += text),
        env: process.env,
        cwd: root,
        isTerminal: terminal,
        interrupt: interrupt.signal,
      });
      return { code, stdout: writes.join(''), stderr, writes };
    }

    it('status -w on a terminal redraws the table in place until interrupted, exit 0', async () => {
      const run = await watchStatus([], true, 3);
      assert.equal(run.code, 0, run.stderr);
      const draws = run.writes.filter((w) => w.includes('APP / WORKER'));
      assert.equal(draws.length, 3);
      // Each draw goes home and clears what the last one left, so the screen does not scroll.
      for (const draw of draws) {
        assert.match(draw, /^(\x1b\[2J)?\x1b\[H/);
        assert.ok(draw.endsWith('\x1b[J'), JSON.stringify(draw.slice(-20)));
        assert.match(draw, /every 0\.2s; Ctrl-C to stop/);
        assert.match(draw, /\n  shop#1 +ready /);
      }
      assert.ok(run.writes[0]!.startsWith('\x1b[2J'), 'the first draw clears the screen');
    });

    it('status -w piped prints a table at each interval, one after the other, without terminal codes', async () => {
      const run = await watchStatus(['shop'], false, 2);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stdout, /\x1b/);
      assert.equal(run.stdout.split('\n').filter((line) => line.startsWith('APP / WORKER')).length, 2);
      assert.doesNotMatch(run.stdout, /reports/);
    });

    // Failed before for 1e-9 and 10000000: the one asked the admin endpoint again as soon as it
    // answered, the other (past setTimeout's 24.8 days) redrew every millisecond with a Node
    // TimeoutOverflowWarning on stderr.
    it('status -w refuses --json and an interval that is not a number of seconds from 0.1 to 86400 (exit 2)', async () => {
      const intervals = ['0', 'soon', '1e-9', '0.09', '86401', '10000000'].map((i) => [['--interval', i], new RegExp(`--interval "${i}" is not a number of seconds from 0\\.1 to 86400`)] as const);
      for (const [args, message] of [[['--json'], /-w and --json/], ...intervals] as const) {
        const run = await portico(['status', '-w', '-a', admin, ...args]);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, message);
      }
    });

    it('status APP shows that app only', async () => {
      const run = await portico(['status', '-a', admin, 'reports']);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stdout, /shop/);
      assert.match(run.stdout, /^reports +idle$/m);
    });

    it('status --json prints the admin endpoint\'s status JSON', async () => {
      const run = await portico(['status', '-a', admin, '--json']);
      assert.equal(run.code, 0, run.stderr);
      const status = JSON.parse(run.stdout) as ReturnType<Portico['status']>;
      assert.equal(status.pid, process.pid);
      assert.deepEqual(status.apps.map((a) => [a.name, a.state]), [['shop', 'ready'], ['reports', 'idle']]);
      assert.equal(status.apps[0]!.workers[0]!.pid, worker().pid);
    });

    it('status asks over the admin socket of the file given with -c, without a token', async () => {
      const file = await folder.write('with-admin.json', minimal({}, { admin: { port: Number(admin.split(':')[1]), socket: './run/admin.sock' } }));
      const run = await portico(['status', '-c', file, '--json'], { PORTICO_ADMIN_TOKEN: undefined });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).pid, process.pid);
    });

    it('status over TCP without the token says how to give it, and exits 69', async () => {
      const run = await portico(['status', '-a', admin], { PORTICO_ADMIN_TOKEN: undefined });
      assert.equal(run.code, 69);
      assert.match(run.stderr, /asks for its bearer token: set PORTICO_ADMIN_TOKEN/);
      assert.ok(!run.stderr.includes(adminToken));
    });

    it('status of an unknown app names the apps and exits 1', async () => {
      const run = await portico(['status', '-a', admin, 'shp']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^portico status: no app named "shp"; the apps are: shop, reports$/m);
    });

    it('reload prints "reloaded" and exits 0', async () => {
      const run = await portico(['reload', '-a', admin]);
      assert.deepEqual([run.code, run.stdout], [0, 'reloaded\n'], run.stderr);
    });

    it('reload prints the problems of a refused config and exits 1', async () => {
      // Failed before with a real problem: the message alone was printed, without its file and key.
      refuseReload = () => new ConfigInvalidError('portico.json', [{ kind: 'type', file: 'portico.json', path: 'apps[0].port', message: 'must be a number' }]);
      try {
        const run = await portico(['reload', '-a', admin]);
        assert.equal(run.code, 1);
        assert.equal(run.stdout, '');
        assert.equal(run.stderr, 'portico reload: the new config was refused; the running one stays in force:\n  portico.json: apps[0].port: must be a number\n');
      } finally {
        refuseReload = undefined;
      }
      assert.equal(running.status().apps[0]!.state, 'ready');
    });

    it('logs prints what the app\'s worker wrote', async () => {
      const run = await portico(['logs', '-a', admin, 'shop']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^shop#1 \| chatty listening on \d+$/m);
    });

    // Failed before: restart, stop, start and logs sent the name and got 431 for the head, exit 69
    // with the 20,000 characters twice in the message; status echoed them all.
    it('refuses an app name no app can have (past 64 characters, a "/") before asking, exit 2, saying what names are', async () => {
      // A CR/LF would split the admin request's head if it went unencoded; U+00A0 looks like a space.
      for (const name of ['a'.repeat(20_000), 'shop/../reload', 'shop\r\nX-Injected: 1', 'shop\u00a0']) {
        for (const command of ['restart', 'stop', 'start', 'logs', 'status']) {
          const run = await portico([command, '-a', admin, name]);
          assert.equal(run.code, 2, `${command}: ${run.stderr.slice(0, 300)}`);
          assert.ok(run.stderr.length < 400, `${command}: ${run.stderr.length} characters`);
          const shown = name.length > 64 ? `"${name.slice(0, 64)}…" (${name.length} characters)` : JSON.stringify(name);
          const rule = 'app names are up to 64 letters, digits, ".", "_" or "-", starting with a letter or digit; portico status lists them';
          assert.equal(run.stderr.split('\n')[0], `portico ${command}: no app can be named ${shown}: ${rule}`);
          assert.ok(!run.stderr.includes('\r'), `${command}: a raw CR in the message`);
        }
      }
      assert.equal(running.status().apps[0]!.state, 'ready');
    });

    it('logs of an unknown app exits 1', async () => {
      const run = await portico(['logs', '-a', admin, 'shp']);
      assert.equal(run.code, 1);
      assert.equal(run.stderr, 'portico logs: no app named "shp"; portico status lists the apps\n');
    });

    it('logs -f prints new output once as it comes, until interrupted', async function () {
      this.timeout(20_000);
      const env = { ...process.env };
      delete env['NODE_OPTIONS'];
      const child = spawn(process.execPath, [launcher, 'logs', '-f', '-a', admin, 'shop'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      const seen: (() => void)[] = [];
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        for (const check of seen) check();
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const printed = (pattern: RegExp) =>
        new Promise<void>((resolve) => {
          const check = () => pattern.test(stdout) && resolve();
          seen.push(check);
          check();
        });
      try {
        await printed(/chatty listening/);
        await get(front, '/followed');
        await printed(/chatty served \/followed\n/);
      } finally {
        child.kill('SIGTERM');
      }
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, stderr);
      assert.equal(stdout.match(/chatty listening/g)?.length, 1, stdout);
      assert.equal(stdout.match(/chatty served \/followed/g)?.length, 1, stdout);
    });
  });

  it('status without -c or -a is a usage error, exit 2', async () => {
    const run = await portico(['status']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /status needs to know where Portico's admin endpoint is: give -c FILE .* or -a HOST:PORT/);
  });

  it('status with a config that has no admin section is a usage error, exit 2', async () => {
    const file = await folder.write('no-admin.json', minimal());
    const run = await portico(['status', '-c', file]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no-admin\.json has no "admin" section/);
  });

  it('status with an invalid config prints its problems and exits 1', async () => {
    const file = await folder.write('bad-admin.json', minimal({}, { admin: { port: 'x' } }));
    const run = await portico(['status', '-c', file]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /admin\.port/);
  });

  for (const command of ['status', 'reload', 'logs shop']) {
    it(`${command.split(' ')[0]} exits 69 when nothing answers at the admin endpoint`, async () => {
      const port = await freePort();
      const run = await portico([...command.split(' ').slice(0, 1), '-a', `127.0.0.1:${port}`, ...command.split(' ').slice(1)]);
      assert.equal(run.code, 69);
      assert.match(run.stderr, new RegExp(`cannot reach Portico's admin endpoint at http://127\\.0\\.0\\.1:${port}/ \\(nothing listens there\\)`));
    });
  }

  it('-a that is not HOST:PORT is a usage error, exit 2', async () => {
    const run = await portico(['reload', '-a', 'localhost']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /-a "localhost" is not HOST:PORT/);
  });
});

/** Resolves once `ok()` holds, checked after each change of Portico's state. */
function until(portico: Portico, ok: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!ok()) return;
      off();
      resolve();
    };
    const off = portico.onChange(check);
    check();
  });
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}
