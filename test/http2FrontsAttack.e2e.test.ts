// HTTP/2 floods against Portico with two fronts (`fronts: 2`), while another client is served:
// every attack at once on connections the kernel spreads over both fronts. Each front must stay
// up, hold its memory to a bound, and keep serving the other client, whose every request completes.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import http2 from 'node:http2';
import { promisify } from 'node:util';
import { frontPids } from './helpers/frontClients.ts';
import { continuationFlood, FrameType, headers, hpackBomb, initialWindow, ping, RawHttp2Clients, rapidReset, request } from '@portico/test-support/http2';
import { h2Request } from './helpers/http2Front.ts';
import { stopAllPorticos } from './helpers/portico.ts';
import { peakResidentBytesOf, residentBytesOf, resetPeakResident } from './helpers/processFigures.ts';
import { startTwoH2cFronts } from './helpers/startTwoH2cFronts.ts';

const MiB = 1024 * 1024;
const run = promisify(execFile);
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('HTTP/2 floods against two fronts', function () {
  this.timeout(120_000);
  const attackers = new RawHttp2Clients();
  afterEach(async () => {
    attackers.closeAll();
    await stopAllPorticos();
  });

  it('every attack at once: both fronts stay up with bounded memory, and another client is served throughout', async () => {
    const { portico, port, pids } = await startTwoH2cFronts(1);
    const bystander = http2.connect(`http://127.0.0.1:${port}`);
    bystander.on('error', () => {});
    await once(bystander, 'connect');
    assert.equal((await h2Request(bystander, { ':path': '/warm' })).status, 200);
    const before = new Map(pids.map((pid) => [pid, residentBytesOf(pid)]));
    for (const pid of pids) resetPeakResident(pid);

    const attacker = () => attackers.connect(port);
    const rapidResetAttack = async () => {
      const a = await attacker();
      for (let batch = 0; batch < 50 && !a.closed; batch++) {
        a.send(...rapidReset(batch));
        await turn();
      }
      await a.waitFor((f) => f.type === FrameType.GOAWAY);
      return a;
    };
    const continuationAttack = async () => {
      const a = await attacker();
      await continuationFlood(a);
      await a.waitFor((f) => f.type === FrameType.GOAWAY);
      return a;
    };
    const hpackBombAttack = async () => {
      const a = await attacker();
      for (let stream = 0; stream < 20 && !a.closed; stream++) {
        const id = 1 + 2 * stream;
        a.send(...hpackBomb(id, stream === 0));
        const outcome = await a.outcome(id);
        assert.notEqual(outcome.kind, 'response', `bomb stream ${id} was answered`);
      }
      return a;
    };
    const pingFlood = async () => {
      const a = await attacker();
      a.socket.pause();
      for (let i = 0; i < 100 && !a.socket.destroyed && a.socket.writableLength < 8 * MiB; i++) {
        a.send(...Array.from({ length: 500 }, (_, j) => ping(i * 500 + j)));
        await turn();
      }
      a.socket.resume();
      return a;
    };
    // 100 downloads of 4 MiB that the client never lets through: each is reset after sendTimeout.
    const zeroWindow = async () => {
      const a = await attacker();
      a.send(initialWindow(0));
      a.send(...Array.from({ length: 100 }, (_, i) => headers(1 + 2 * i, request('GET', `/big?bytes=${4 * MiB}&i=${i}`), true)));
      for (let i = 0; i < 100; i++) {
        const end = await a.waitFor((f) => f.streamId === 1 + 2 * i && f.type === FrameType.RST_STREAM);
        assert.ok(end !== undefined, `stalled stream ${1 + 2 * i} was never reset`);
      }
      return a;
    };

    let attacking = true;
    let served = 0;
    const bystanderLoop = (async () => {
      while (attacking) {
        const answer = await h2Request(bystander, { ':path': `/bystander-${served}` });
        assert.equal(answer.status, 200);
        served++;
      }
    })();
    const attacks = [rapidResetAttack, continuationAttack, hpackBombAttack, pingFlood, zeroWindow].flatMap((attack) => [attack(), attack()]);
    const done = await Promise.all(attacks);
    attacking = false;
    await bystanderLoop;
    assert.ok(served > 0, 'the other client was served while the attacks ran');
    // Rapid reset, CONTINUATION and the bombs' connections are closed by the front they reached.
    for (const a of done.slice(0, 4)) assert.ok(a.closed || a.frames.some((f) => f.type === FrameType.GOAWAY), 'an attacking connection was closed');
    assert.deepEqual(frontPids(portico), pids, 'no front was replaced');
    for (const pid of pids) {
      const growth = peakResidentBytesOf(pid) - before.get(pid)!;
      assert.ok(growth < 128 * MiB, `front ${pid} grew by ${(growth / MiB).toFixed(1)} MiB`);
    }
    assert.equal((await h2Request(bystander, { ':path': '/after' })).status, 200);
    bystander.destroy();
  });

  // h2load (nghttp2's own client) opens 64 streams at a time on each of 8 connections spread over
  // both fronts: every one of its requests completes with a 2xx, none is refused or left hanging.
  it('answers every stream of h2load with 64 streams a connection on 8 connections', async function () {
    // Debian's nghttp2-client, which bench:h2 needs too.
    if (spawnSync('h2load', ['--version']).error !== undefined) this.skip();
    const { port } = await startTwoH2cFronts();
    const { stdout } = await run('h2load', ['-n', '4000', '-c', '8', '-m', '64', `http://127.0.0.1:${port}/h2load?bytes=2000`]);
    assert.match(stdout, /requests: 4000 total, 4000 started, 4000 done, 4000 succeeded, 0 failed, 0 errored, 0 timeout/);
    assert.match(stdout, /status codes: 4000 2xx/);
  });
});
