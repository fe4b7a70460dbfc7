import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { request } from './helpers/portico.ts';
import { startPorticoCommand } from './helpers/porticoCli.ts';
import { isAlive } from './helpers/processes.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../', import.meta.url));
const pythonBackend = join(root, 'examples/python-backend/server.py');
const pythonIntegration = join(root, 'integrations/python/portico_integration.py');

/**
 * Portico as a user outside the repository gets it: every package packed to a tarball (the
 * workspace's `workspace:*` ranges become versions), installed with npm into an empty project,
 * and run from its `node_modules/.bin`. Catches a file missing from a package's `files`, a
 * dependency declared only in the workspace, and a launcher that needs the repository.
 */
describe('packaging: the packed tarballs installed with npm into an empty project', function () {
  this.timeout(300_000);
  let dir: string;
  let project: string;
  const env = { ...process.env };
  // The project must not inherit the workspace's loader, export condition or pnpm's settings.
  for (const name of Object.keys(env)) if (name === 'NODE_OPTIONS' || name.startsWith('npm_') || name.startsWith('PNPM_')) delete env[name];
  const portico = () => join(project, 'node_modules/.bin/portico');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-packaging-'));
    const tarballs = join(dir, 'tarballs');
    project = join(dir, 'project');
    await mkdir(tarballs);
    await mkdir(project);
    for (const name of await readdir(join(root, 'packages'))) {
      // A private package (the tests' @portico/test-support) is never published.
      const manifest = JSON.parse(await readFile(join(root, 'packages', name, 'package.json'), 'utf8')) as { readonly private?: boolean };
      if (manifest.private === true) continue;
      await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(root, 'packages', name), env });
    }
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'uses-portico', private: true, version: '1.0.0' }));
    const packed = (await readdir(tarballs)).map((file) => join(tarballs, file));
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packed], { cwd: project, env, maxBuffer: 16 << 20 });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('has the schema where docs/getting-started.md’s $schema points', () => {
    assert.ok(existsSync(join(project, 'node_modules/@portico/portico/schema/portico.schema.json')));
  });

  it('prints its version', async () => {
    const { stdout } = await run(portico(), ['--version'], { cwd: project, env });
    assert.match(stdout.trim(), /^\d+\.\d+\.\d+/);
  });

  it('checks a config, serves a Python backend, and stops gracefully with no backend left', async () => {
    await copyFile(pythonBackend, join(project, 'server.py'));
    // The example runs on Portico's Python integration, copied beside it as its docstring says.
    await copyFile(pythonIntegration, join(project, 'portico_integration.py'));
    const config = join(project, 'portico.json');
    await writeFile(
      config,
      JSON.stringify({
        $schema: './node_modules/@portico/portico/schema/portico.schema.json',
        listen: [{ port: 0, host: '127.0.0.1' }],
        fronts: 1,
        admin: { port: 0, socket: join(project, 'run', 'admin.sock') },
        apps: [{ name: 'hello', processPath: 'python3', arguments: ['server.py'] }],
      }),
    );
    const checked = await run(portico(), ['check', '-c', config], { cwd: project, env });
    assert.match(checked.stderr, /valid \(1 listener, 1 app\)/);

    const started = await startPorticoCommand(portico(), ['start', '-c', config], { cwd: project, env });
    const res = await request(started.port, '/');
    assert.equal(res.status, 200, res.body);
    // The live page's chart library comes from the uplot package npm installed beside Portico's.
    const admin = Number(/status page http:\/\/127\.0\.0\.1:(\d+)\//.exec(started.stderr())?.[1]);
    const library = await request(admin, '/assets/uplot.js');
    assert.equal(library.status, 200, library.body.slice(0, 200));
    assert.match(library.body, /uPlot/);
    const spawned = /"event":"worker\.spawned".*?"workerPid":(\d+)/.exec(started.stdout());
    assert.ok(spawned, `no worker.spawned line in ${started.stdout()}`);
    assert.equal(await started.stop(), 0, started.stderr());
    assert.ok(!isAlive(Number(spawned[1])), 'the Python backend outlived portico');
  });
});
