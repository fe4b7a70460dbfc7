import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPortHolder } from '../../src/cli/internal/findPortHolder.ts';

const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
// 127.0.0.1:8080 listening (0A) with inode 4711; the same port connected (01) with inode 99.
const tcp = `${header}   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4711 1 0 100 0 0 10 0\n   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 99 1 0 100 0 0 10 0\n`;

describe('findPortHolder', () => {
  let proc: string;
  beforeEach(async () => {
    proc = await mkdtemp(join(tmpdir(), 'portico-proc-'));
    await mkdir(join(proc, 'net'));
    await writeFile(join(proc, 'net', 'tcp'), tcp);
    await writeFile(join(proc, 'net', 'tcp6'), header);
  });
  afterEach(() => rm(proc, { recursive: true, force: true }));

  it('names the process whose descriptor is the listening socket of the port, with its command line', async () => {
    await mkdir(join(proc, '4242', 'fd'), { recursive: true });
    await symlink('socket:[99]', join(proc, '4242', 'fd', '3'));
    await mkdir(join(proc, '777', 'fd'), { recursive: true });
    await symlink('/dev/null', join(proc, '777', 'fd', '0'));
    await symlink('socket:[4711]', join(proc, '777', 'fd', '5'));
    await writeFile(join(proc, '777', 'cmdline'), 'nginx: master process\0-g\0daemon off;\0');
    assert.deepEqual(await findPortHolder(8080, proc), { pid: 777, command: 'nginx: master process -g daemon off;' });
  });

  it('says a socket listens but its process is not visible (another user\'s)', async () => {
    assert.deepEqual(await findPortHolder(8080, proc), { pid: undefined });
  });

  it('finds nothing for a port nobody listens on, or without /proc', async () => {
    assert.equal(await findPortHolder(50000, proc), undefined);
    assert.equal(await findPortHolder(8080, join(proc, 'absent')), undefined);
  });
});
