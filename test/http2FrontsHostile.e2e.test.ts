// With two fronts (`fronts: 2`), hostile HTTP/2 clients on one front only while a client of each
// front is served: the attacked front holds its memory and its CPU per byte of the attack, and
// the other front's client sees nothing of it. Which front takes a connection is the kernel's
// choice, so connections are opened until they land where the test wants them (socketOwner).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import type net from 'node:net';
import { data, frame, FrameType, goaway, headers, initialWindow, RawHttp2Clients, request, rstStream, tinyFields, type RawHttp2Client } from '@portico/test-support/http2';
import { frontPids } from './helpers/frontClients.ts';
import { h2Request } from './helpers/http2Front.ts';
import { stopAllPorticos } from './helpers/portico.ts';
import { cpuSecondsOf, peakResidentBytesOf, residentBytesOf, resetPeakResident } from './helpers/processFigures.ts';
import { socketOwner } from './helpers/socketOwner.ts';
import { startTwoH2cFronts } from './helpers/startTwoH2cFronts.ts';

const MiB = 1024 * 1024;
const turn = () => new Promise((resolve) => setImmediate(resolve));
const cpuOf = (pid: number): number => {
  const { user, kernel } = cpuSecondsOf(pid);
  return user + kernel;
};
const bytesOf = (frames: readonly Buffer[]): number => frames.reduce((n, f) => n + f.length, 0);

/** Opens connections with `connect` until one lands on front `pid` (closing the others). */
async function onFront<T>(port: number, pid: number, pids: readonly number[], connect: () => Promise<T>, socketOf: (c: T) => net.Socket, close: (c: T) => void): Promise<T> {
  for (let tries = 0; tries < 60; tries++) {
    const c = await connect();
    let owner: number | undefined;
    for (let look = 0; look < 20 && owner === undefined; look++) {
      owner = await socketOwner(port, socketOf(c).localPort!, pids);
      if (owner === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (owner === pid) return c;
    close(c);
  }
  throw new Error(`no connection landed on front ${pid} in 60 tries`);
}

describe('HTTP/2 attacks on one of two fronts', function () {
  this.timeout(180_000);
  const attackers = new RawHttp2Clients();
  afterEach(async () => {
    attackers.closeAll();
    await stopAllPorticos();
  });

  it('the attacked front holds its memory and its CPU per byte, and the other front\'s client sees nothing of it', async () => {
    const { portico, port, pids } = await startTwoH2cFronts(5);
    const [attacked, other] = pids;
    const session = async () => {
      const s = http2.connect(`http://127.0.0.1:${port}`);
      s.on('error', () => {});
      await once(s, 'connect');
      return s;
    };
    const bystanderOn = (pid: number) => onFront(port, pid, pids, session, (s) => s.socket as net.Socket, (s) => s.destroy());
    const [near, far] = [await bystanderOn(attacked), await bystanderOn(other)];
    for (const s of [near, far]) assert.equal((await h2Request(s, { ':path': '/warm' })).status, 200);
    const attacker = () => onFront(port, attacked, pids, () => attackers.connect(port), (a) => a.socket, (a) => a.close());

    let attacking = true;
    const served = { near: 0, far: 0 };
    const bystand = async (s: http2.ClientHttp2Session, which: 'near' | 'far') => {
      while (attacking) {
        assert.equal((await h2Request(s, { ':path': `/bystander-${which}-${served[which]}` })).status, 200);
        served[which]++;
      }
    };
    const farBytes = (far.socket as net.Socket).bytesWritten;
    const before = new Map(pids.map((pid) => [pid, { cpu: cpuOf(pid), resident: residentBytesOf(pid) }]));
    for (const pid of pids) resetPeakResident(pid);
    const bystanders = [bystand(near, 'near'), bystand(far, 'far')];

    let sent = 0;
    const tinyFieldsAttack = async (a: RawHttp2Client) => {
      for (let stream = 0; stream < 100 && !a.closed; stream++) {
        const frames = tinyFields(1 + 2 * stream, stream === 0);
        a.send(...frames);
        sent += bytesOf(frames);
        if (stream % 10 === 9) await a.ping();
      }
    };
    // 100 downloads held at a zero window, then SETTINGS frames of 32 entries each against them.
    const settingsAttack = async (a: RawHttp2Client) => {
      a.send(initialWindow(0), ...Array.from({ length: 100 }, (_, i) => headers(1 + 2 * i, request('GET', `/big?bytes=${MiB}&i=${i}`), true)));
      const entries = Buffer.alloc(32 * 6);
      for (let i = 0; i < 32; i++) {
        entries.writeUInt16BE(i % 2 === 0 ? 0x4 : 0x100 + i, 6 * i);
        entries.writeUInt32BE(i % 4 === 0 ? 1 : 0, 6 * i + 2);
      }
      const settings = frame(FrameType.SETTINGS, 0, 0, entries);
      for (let i = 0; i < 20 && !a.closed; i++) {
        a.send(...Array.from({ length: 500 }, () => settings));
        sent += 500 * settings.length;
        await a.ping();
      }
    };
    const paddingAttack = async (a: RawHttp2Client) => {
      a.send(headers(1, request('POST', '/padded'), false));
      const padded = frame(FrameType.DATA, 0x8, 1, Buffer.alloc(1));
      for (let i = 0; i < 100 && !a.closed; i++) {
        a.send(...Array.from({ length: 1_000 }, () => padded));
        sent += 1_000 * padded.length;
        await turn();
      }
      a.send(data(1, '', true));
    };
    const rapidResetAttack = async (a: RawHttp2Client) => {
      for (let batch = 0; batch < 50 && !a.closed; batch++) {
        const frames = Array.from({ length: 100 }, (_, i) => 1 + 2 * (batch * 100 + i)).flatMap((id) => [headers(id, request('POST', `/reset-${id}`), false), rstStream(id)]);
        a.send(...frames);
        sent += bytesOf(frames);
        await turn();
      }
      await a.waitFor((f) => f.type === FrameType.GOAWAY);
    };
    const goawayAttack = async (a: RawHttp2Client) => {
      a.send(goaway(0));
      for (let batch = 0; batch < 20 && !a.closed; batch++) {
        const frames = Array.from({ length: 100 }, (_, i) => headers(1 + 2 * (batch * 100 + i), request('GET', `/after-goaway-${i}`), true));
        a.send(...frames);
        sent += bytesOf(frames);
        await turn();
      }
    };
    const attacks = [tinyFieldsAttack, settingsAttack, paddingAttack, rapidResetAttack, goawayAttack];
    const connections = await Promise.all(attacks.map(() => attacker()));
    await Promise.all(attacks.map((attack, i) => attack(connections[i]!)));
    attacking = false;
    await Promise.all(bystanders);

    assert.deepEqual(frontPids(portico), pids, 'no front was replaced');
    assert.ok(served.near > 0 && served.far > 0, `the clients were served meanwhile (${served.near} near, ${served.far} far)`);
    for (const s of [near, far]) assert.equal((await h2Request(s, { ':path': '/after' })).status, 200);
    for (const pid of pids) {
      const growth = peakResidentBytesOf(pid) - before.get(pid)!.resident;
      assert.ok(growth < 64 * MiB, `front ${pid} grew by ${(growth / MiB).toFixed(1)} MiB`);
    }
    // The other front's CPU per byte of its client's requests, against the attacked front's per
    // byte of the attack (its own client's requests included, which only make the attack dearer).
    const farCpuPerByte = (cpuOf(other) - before.get(other)!.cpu) / ((far.socket as net.Socket).bytesWritten - farBytes);
    const attackedCpuPerByte = (cpuOf(attacked) - before.get(attacked)!.cpu) / sent;
    assert.ok(attackedCpuPerByte < farCpuPerByte / 50, `${(attackedCpuPerByte * 1e6).toFixed(3)} us of the attacked front's CPU per byte of the attack, ${(farCpuPerByte * 1e6).toFixed(3)} of the other's per byte of requests`);
    near.destroy();
    far.destroy();
  });
});
