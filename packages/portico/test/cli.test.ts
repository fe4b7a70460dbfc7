import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@portico/portico';
import { configFolder, minimal } from './config/fixtures.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const launcher = fileURLToPath(new URL('../bin/portico.js', import.meta.url));
const example = fileURLToPath(new URL('../../../examples/portico.json', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real launcher under plain node, as a user's shell would. */
function portico(args: readonly string[], file = process.execPath, prefix: readonly string[] = [launcher]): Promise<Run> {
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

  it('check accepts examples/portico.json', async () => {
    const run = await portico(['check', '--config', example]);
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

  for (const [command, missing] of [
    ['status', 'status API'],
    ['reload', 'reload API'],
    ['logs', 'log tail API'],
  ] as const) {
    it(`${command} says what it is missing and exits 2`, async () => {
      const run = await portico([command, '-c', example]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, new RegExp(`^portico ${command}: not available yet: .*${missing}`));
    });
  }

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
    assert.match(run.stdout, /Exit status: 0 done, 1 invalid config, 2 usage error/);
  });

  it('without arguments prints the help on stderr and exits 2', async () => {
    const run = await portico([]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Usage: portico <command>/);
  });

  it('--version prints the package version', async () => {
    const run = await portico(['--version']);
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(run.stdout, `${pkg.version}\n`);
  });

  it('runs through the workspace bin shim that "pnpm exec portico" uses', async () => {
    const run = await portico(['check', '-c', 'examples/portico.json'], `${root}node_modules/.bin/portico`, []);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).apps[0].name, 'hello');
  });
});
