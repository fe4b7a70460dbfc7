import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { echoBackend } from './helpers/portico.ts';

const launcher = fileURLToPath(new URL('../packages/portico/bin/portico.js', import.meta.url));
const token = 'a-token-for-the-admin-endpoint-0123456789';

interface Answer {
  readonly status: number;
  readonly body: string;
}

function ask(target: { port: number } | { socketPath: string }, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const where = 'port' in target ? { host: '127.0.0.1', port: target.port } : { socketPath: target.socketPath };
    const req = http.request({ ...where, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs a request as the user nobody, in a separate node process: its status, or the connect error's code. */
function askAsNobody(target: { port: number } | { socketPath: string }, path: string, method = 'GET'): Promise<string> {
  const where = 'port' in target ? `{ host: '127.0.0.1', port: ${target.port} }` : `{ socketPath: ${JSON.stringify(target.socketPath)} }`;
  const script =
    `const http = require('node:http');` +
    `const req = http.request({ ...${where}, path: ${JSON.stringify(path)}, method: ${JSON.stringify(method)}, agent: false }, (res) => { console.log(String(res.statusCode)); res.resume(); });` +
    `req.on('error', (e) => console.log(e.code)); req.end();`;
  return new Promise((resolve, reject) => {
    execFile('su', ['nobody', '-s', '/bin/sh', '-c', `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script)}`], (error, stdout, stderr) => {
      if (error) return reject(new Error(`${error.message}: ${stderr}`));
      resolve(stdout.trim());
    });
  });
}

describe('the admin endpoint against other local users', function () {
  this.timeout(60_000);
  let portico: ChildProcess;
  let admin: number;
  let app: number;
  let socketPath: string;
  let log = '';
  let stderrText = '';

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    const dir = await mkdtemp(join(tmpdir(), 'portico-admin-access-'));
    // nobody may enter this folder; the socket's own folder (made by Portico, 0700) and the
    // socket's mode (0600) keep it out.
    await chmod(dir, 0o755);
    const tokenFile = join(dir, 'admin-token');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    socketPath = join(dir, 'run', 'admin.sock');
    const file = join(dir, 'portico.json');
    await writeFile(
      file,
      JSON.stringify({
        listen: [{ port: 0, host: '127.0.0.1' }],
        fronts: 1,
        admin: { port: 0, socket: socketPath, tokenFile },
        apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend], start: 'eager' }],
      }),
    );
    portico = spawn(process.execPath, [launcher, 'start', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    portico.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    let stderr = '';
    [app, admin] = await new Promise<[number, number]>((resolve, reject) => {
      portico.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        stderrText = stderr;
        const found = /serving http:\/\/127\.0\.0\.1:(\d+)\/; status page http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
        if (found) resolve([Number(found[1]), Number(found[2])]);
      });
      portico.on('exit', (code) => reject(new Error(`portico exited with ${code}: ${stderr}`)));
    });
  });

  after(() => {
    portico?.kill('SIGTERM');
  });

  it('refuses another local user on the unix socket by its mode (0600)', async () => {
    assert.equal((await stat(socketPath)).mode & 0o777, 0o600);
    assert.equal((await stat(join(socketPath, '..'))).mode & 0o777, 0o700);
    assert.equal(await askAsNobody({ socketPath }, '/status'), 'EACCES');
    assert.equal(await askAsNobody({ socketPath }, '/reload', 'POST'), 'EACCES');
    assert.equal((await ask({ socketPath }, '/status')).status, 200, 'its owner gets in without a token');
  });

  it('answers 401 on TCP without the bearer token, for GET /logs and POST /reload, even to the user nobody', async () => {
    assert.equal(await askAsNobody({ port: admin }, '/logs?app=shop'), '401');
    assert.equal(await askAsNobody({ port: admin }, '/reload', 'POST'), '401');
    assert.equal(await askAsNobody({ port: admin }, '/history'), '401', 'the live page\'s history shows the apps\' traffic');
    assert.equal((await ask({ port: admin }, '/status', { headers: { Authorization: 'Bearer wrong-token-wrong-token-wrong' } })).status, 401);
    assert.equal((await ask({ port: admin }, '/status', { headers: { Authorization: `Bearer ${token}` } })).status, 200);
  });

  it('answers /healthz, /readyz and the live page\'s chart library on TCP without a token', async () => {
    assert.equal(await askAsNobody({ port: admin }, '/healthz'), '200');
    assert.equal(await askAsNobody({ port: admin }, '/readyz'), '200');
    assert.equal(await askAsNobody({ port: admin }, '/assets/uplot.js'), '200');
  });

  it('refuses an Origin on another port of the same host (an app behind Portico), with the token', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    const crossPort = await ask({ port: admin }, '/reload', { method: 'POST', headers: { ...auth, Origin: `http://127.0.0.1:${app}` } });
    assert.equal(crossPort.status, 403, crossPort.body);
    const sameOrigin = await ask({ port: admin }, '/status', { headers: { ...auth, Origin: `http://127.0.0.1:${admin}` } });
    assert.equal(sameOrigin.status, 200, sameOrigin.body);
    const otherScheme = await ask({ port: admin }, '/status', { headers: { ...auth, Origin: `https://127.0.0.1:${admin}` } });
    assert.equal(otherScheme.status, 403, otherScheme.body);
  });

  it('never writes the token to its log, its stderr or its status', async () => {
    await ask({ port: admin }, '/status', { headers: { Authorization: 'Bearer not-the-token-not-the-token-not-the' } });
    const status = await ask({ socketPath }, '/status');
    assert.ok(log.includes('"event"'), 'the log was read');
    for (const text of [log, stderrText, status.body]) assert.ok(!text.includes(token));
  });

  it('makes a token when the config names none, in a file only its user can read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-admin-token-'));
    const file = join(dir, 'portico.json');
    await writeFile(file, JSON.stringify({ listen: [{ port: 0, host: '127.0.0.1' }], fronts: 1, admin: { port: 0, socket: join(dir, 'run', 'admin.sock') }, apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend] }] }));
    const child = spawn(process.execPath, [launcher, 'start', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      let stderr = '';
      const [port, tokenFile] = await new Promise<[number, string]>((resolve, reject) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const found = /status page http:\/\/127\.0\.0\.1:(\d+)\/ \(its token is in (\S+)\)/.exec(stderr);
          if (found) resolve([Number(found[1]), found[2]!]);
        });
        child.on('exit', (code) => reject(new Error(`portico exited with ${code}: ${stderr}`)));
      });
      assert.equal(tokenFile, join(dir, 'run', 'admin-token'));
      assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
      assert.equal((await stat(join(dir, 'run'))).mode & 0o777, 0o700);
      const made = (await readFile(tokenFile, 'utf8')).trim();
      assert.ok(!stderr.includes(made));
      assert.equal((await ask({ port }, '/status')).status, 401);
      assert.equal((await ask({ port }, '/status', { headers: { Authorization: `Bearer ${made}` } })).status, 200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
