import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

// A session leader without a terminal (Portico under systemd, or `setsid`) that opens a terminal
// without O_NOCTTY makes it its controlling terminal: a hangup of it then sends Portico SIGHUP,
// and the terminal's job control signals reach it. A config, htpasswd or TLS file swapped for a
// terminal is refused, but it was opened all the same.
const python = (() => {
  try {
    execFileSync('python3', ['-c', 'import pty'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const fixture = fileURLToPath(new URL('./fixtures/openThenTellTty.ts', import.meta.url));

describe('reading a terminal from a session without one', () => {
  let pty: ChildProcessWithoutNullStreams;
  let slave: string;

  before(async function () {
    if (!python || !existsSync('/proc/self/stat')) {
      console.log('    skipped: needs python3 (for a pseudo-terminal) and /proc');
      this.skip();
    }
    // The pseudo-terminal stays open while python3 waits on its stdin.
    pty = spawn('python3', ['-c', 'import os, pty, sys; m, s = pty.openpty(); print(os.ttyname(s), flush=True); sys.stdin.read()']);
    const [line] = (await once(pty.stdout, 'data')) as [Buffer];
    slave = line.toString().trim();
    assert.match(slave, /^\/dev\/pts\/\d+$/);
  });
  after(() => pty?.stdin.end());

  for (const reader of ['readRegularFileSync', 'readRegularFile']) {
    it(`${reader} refuses it and leaves the process without a controlling terminal`, async () => {
      // detached: a session of its own, with no controlling terminal.
      const child = spawn(process.execPath, ['--import', 'tsx/esm', '--conditions=portico-source', fixture, reader, slave], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const [code] = (await once(child, 'close')) as [number | null];
      assert.equal(code, 0);
      const { read, ttyNr, session, pid } = JSON.parse(out) as { read: string; ttyNr: number; session: number; pid: number };
      assert.equal(session, pid, 'the child leads a session of its own');
      assert.equal(read, 'is a character device, not a regular file');
      assert.equal(ttyNr, 0, `the child made ${slave} its controlling terminal`);
    });
  }
});
