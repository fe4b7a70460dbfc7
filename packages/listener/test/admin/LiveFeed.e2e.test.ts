import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { LiveFeed } from '../../src/admin/internal/LiveFeed.ts';
import { MetricsHistory, type HistorySample } from '../../src/admin/internal/MetricsHistory.ts';
import { RequestMetrics, type AppCountersSnapshot, type PorticoStatus, type RequestCountersSnapshot } from '../../src/index.ts';
import { FakeAdminSource, sampleStatus, worker } from './FakeAdminSource.ts';

const MiB = 1024 * 1024;

/** A history that tells the test of each sample as the feed takes it, before the feed sends it. */
class WatchedHistory extends MetricsHistory {
  onRecord: (sample: HistorySample) => void = () => {};
  override record(at: number, intervalMs: number, totals: ReadonlyMap<string, AppCountersSnapshot>, sources: ReadonlyMap<string, RequestCountersSnapshot>, status: PorticoStatus | undefined): HistorySample {
    const sample = super.record(at, intervalMs, totals, sources, status);
    this.onRecord(sample);
    return sample;
  }
}

/** 20 apps of 100 workers with their CPU and memory: samples of tens of KB, quick to take. */
function largeStatus(): PorticoStatus {
  const [app] = sampleStatus().apps;
  const resources = { cpuPercent: 12.5, cpuSeconds: 3600.25, memoryBytes: 52_428_800, fds: 40, processes: 1 };
  const apps = Array.from({ length: 20 }, (_, a) => ({
    ...app!,
    name: `app${a}`,
    workers: Array.from({ length: 100 }, (_, w) => worker(`app${a}#${w + 1}`, 41_000 + a * 100 + w, { resources })),
  }));
  return { ...sampleStatus(), apps };
}

// A few seconds of samples taken as fast as the feed can: the end-to-end tier.
describe('LiveFeed', function () {
  this.timeout(60_000);
  let server: http.Server;
  let feed: LiveFeed;
  let history: WatchedHistory;
  let port: number;
  /** The admin side of each live connection: its unsent bytes are the socket's bufferedAmount. */
  const upgraded: net.Socket[] = [];

  beforeEach(async () => {
    const status = largeStatus();
    history = new WatchedHistory(300);
    const metrics = new RequestMetrics({ apps: status.apps.map((a) => a.name) });
    feed = new LiveFeed({ source: new FakeAdminSource(status), metrics, history, minIntervalMs: 100, rateIntervalMs: 1, onError: (error) => assert.fail(String(error)) });
    server = http.createServer();
    server.on('upgrade', (req, socket: net.Socket, head: Buffer) => {
      upgraded.push(socket);
      feed.handleUpgrade(req, socket, head);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    await feed.close();
    server.close();
    upgraded.length = 0;
  });

  // The feed skips messages for a client with more than 1 MiB unsent; without that, a page left
  // open in a stalled browser tab held every sample since it stalled.
  it('holds at most 1 MiB and one message for a live client that never reads, over many samples', async () => {
    const client = net.connect(port, '127.0.0.1');
    client.write(
      `GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.alloc(16, 7).toString('base64')}\r\nSec-WebSocket-Protocol: portico-admin\r\n\r\n`,
    );
    const [answer] = (await once(client, 'data')) as [Buffer];
    assert.match(answer.toString('latin1'), /^HTTP\/1\.1 101 /);
    client.pause();
    feed.start();

    const samples = 200;
    let taken = 0;
    let offered = 0;
    let largest = 0;
    let mostUnsent = 0;
    await new Promise<void>((resolve) => {
      history.onRecord = (sample) => {
        // Taken before this sample is sent: what the previous ones left unsent.
        mostUnsent = Math.max(mostUnsent, upgraded[0]!.writableLength);
        const bytes = JSON.stringify(sample).length;
        offered += bytes;
        largest = Math.max(largest, bytes);
        if (++taken === samples) resolve();
      };
    });
    assert.ok(offered > 8 * MiB, `the samples came to ${(offered / MiB).toFixed(1)} MiB, which the client did not read`);
    assert.ok(!upgraded[0]!.destroyed, 'the client is not cut: it skips samples until it catches up');
    // One message past the bound can be queued (the one that found less than 1 MiB unsent); a
    // rates message is its sample and each app's rates, under twice the sample.
    assert.ok(mostUnsent <= MiB + 2 * largest, `${(mostUnsent / MiB).toFixed(2)} MiB unsent at most, samples of ${(largest / 1024).toFixed(0)} KiB`);
    assert.ok(mostUnsent > MiB / 2, `the test filled the socket (${(mostUnsent / MiB).toFixed(2)} MiB unsent)`);
    client.destroy();
  });
});
