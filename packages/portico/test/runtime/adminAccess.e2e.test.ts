import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The admin token file is read when Portico starts. The config check says a path is a FIFO or a
// device, but a file swapped between that check and the read was read with readFileSync: a FIFO
// held the process for good, /dev/zero read until memory ran out. The read runs in a child
// process here, as Portico's would, so a blocking one cannot hold the test's own process.
const compiled = new URL('../../dist/src/runtime/adminAccess.js', import.meta.url).href;

async function readToken(tokenFile: string): Promise<{ code: number | null; out: string }> {
  const script = `import { configuredAdminToken } from ${JSON.stringify(compiled)};
try { configuredAdminToken({ tokenFile: ${JSON.stringify(tokenFile)} }, {}); console.log('read'); } catch (error) { console.log(error.message); }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, out: out.trim() };
}

describe('the admin token file, swapped for what is not a file', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'portico-admin-token-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('refuses a FIFO at once, saying what it is, instead of waiting for a writer', async () => {
    const fifo = join(dir, 'token');
    execFileSync('mkfifo', [fifo]);
    const { code, out } = await readToken(fifo);
    assert.equal(code, 0, `the read did not end: ${out}`);
    assert.match(out, /admin\.tokenFile.*is a FIFO \(named pipe\), not a regular file/);
  });

  it('refuses a device at once, without reading it', async () => {
    const device = join(dir, 'token');
    await symlink('/dev/zero', device);
    const { code, out } = await readToken(device);
    assert.equal(code, 0, `the read did not end: ${out}`);
    assert.match(out, /admin\.tokenFile.*is a character device, not a regular file/);
  });
});
