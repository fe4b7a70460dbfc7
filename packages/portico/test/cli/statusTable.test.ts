import assert from 'node:assert/strict';
import type { AppStatus, PorticoStatus } from '@portico/listener';
import { statusTable } from '../../src/cli/internal/statusTable.ts';

describe('statusTable', () => {
  it('says under the table why a failed app is down and when it starts again', () => {
    const now = 1_000_000;
    const shop: AppStatus = {
      name: 'shop',
      match: { host: '*', path: '/' },
      state: 'failed',
      eager: true,
      queueDepth: 0,
      failure: '3 restarts within 60 s passed rapidFailsPerMinute (2); last exit: crashed, code 1',
      retryAt: now + 95_000,
      workers: [{ id: 'shop#1', state: 'failed', pid: undefined, endpoint: undefined, restarts: 2, inFlight: 0, readySince: undefined, lastExit: { kind: 'crashed', code: 1, signal: null, uptimeMs: 5, stderrTail: '' } }],
    };
    const status: PorticoStatus = { startedAt: now - 5_000, version: '0.1.0', pid: 42, apps: [shop] };
    const text = statusTable(status, status.apps, now);
    assert.match(text, /^  shop#1 +failed +- +- +- +2 +0 +- +- +- +- +- +code 1$/m);
    assert.match(text, /^shop +failed +0 +0 +- +- +- +-$/m);
    assert.match(text, /^shop: failed: 3 restarts within 60 s passed rapidFailsPerMinute \(2\); last exit: crashed, code 1; started again by itself in 1m 35s$/m);
  });

  // The failure page counts down by whole seconds rounded up ("in 12 s" with 11.3 s to go); the
  // table said "in 11s" beside it (the operator's trial).
  it('counts down to the next try in whole seconds rounded up, as the failure page does', () => {
    const now = 1_000_000;
    const shop: AppStatus = {
      name: 'shop', match: { host: '*', path: '/' }, state: 'failed', eager: true, queueDepth: 0, failure: 'exit 1', retryAt: now + 11_300, workers: [],
    };
    const growing: AppStatus = { name: 'shop', match: shop.match, state: 'ready', eager: true, queueDepth: 0, newWorkerWait: { failures: 1, retryAt: now + 59_001 }, workers: [] };
    const status: PorticoStatus = { startedAt: now - 5_000, version: '0.1.0', pid: 42, apps: [shop] };
    assert.match(statusTable(status, status.apps, now), /started again by itself in 12s$/m);
    assert.match(statusTable(status, [growing], now), /next try in 1m 00s,/);
  });
});

describe('statusTable new workers', () => {
  it('says under the table that new workers failed to start and when the next is tried, the old ones serving', () => {
    const now = 1_000_000;
    const shop: AppStatus = {
      name: 'shop',
      match: { host: '*', path: '/' },
      state: 'ready',
      eager: true,
      queueDepth: 0,
      newWorkerWait: { failures: 3, retryAt: now + 8_000 },
      workers: [{ id: 'shop#1', state: 'ready', pid: 4250, endpoint: { kind: 'tcp', host: '127.0.0.1', port: 40123 }, restarts: 0, inFlight: 0, readySince: now - 63_000, lastExit: undefined }],
    };
    const status: PorticoStatus = { startedAt: now - 5_000, version: '0.1.0', pid: 42, apps: [shop] };
    assert.match(statusTable(status, status.apps, now), /^shop: new workers \(replacement, growth\) failed to start 3 times in a row; next try in 8s, the old workers serve on$/m);
  });
});

describe('statusTable figures', () => {
  const now = 1_000_000;
  const worker = { id: 'shop#1', state: 'ready', pid: 4250, endpoint: { kind: 'tcp' as const, host: '127.0.0.1', port: 40123 }, restarts: 0, inFlight: 3, readySince: now - 63_000, lastExit: undefined };
  const figures = { cpuPercent: 2.5, cpuSeconds: 12, memoryBytes: 81 * 1048576, fds: 20, processes: 3 };

  it("shows each worker's requests, CPU (percent and time), memory and open files, and the app's sums", () => {
    const shop: AppStatus = {
      name: 'shop',
      match: { host: '*', path: '/' },
      state: 'ready',
      eager: true,
      queueDepth: 2,
      workers: [{ ...worker, requests: 1200, resources: figures }],
      requests: 1200,
      inFlight: 3,
      resources: figures,
    };
    const status: PorticoStatus = { startedAt: now - 5_000, version: '0.1.0', pid: 42, sampling: { available: true, interval: 5 }, apps: [shop] };
    const text = statusTable(status, status.apps, now);
    assert.match(text, /^APP \/ WORKER +STATE +PID +PORT +UPTIME +RESTARTS +IN-FLIGHT +REQUESTS +CPU +CPU TIME +MEMORY +FDS +LAST EXIT$/m);
    assert.match(text, /^shop +ready +3 +1200 +2\.5% +12\.0s +81\.0 MiB +20 +queue 2$/m);
    assert.match(text, /^  shop#1 +ready +4250 +40123 +1m 03s +0 +3 +1200 +2\.5% +12\.0s +81\.0 MiB +20 +-$/m);
  });

  it('shows CPU time past a minute as a duration, and a fraction of a second as such', () => {
    const row = (cpuSeconds: number) => {
      const shop: AppStatus = { name: 'shop', match: { host: '*', path: '/' }, state: 'ready', eager: true, queueDepth: 0, workers: [{ ...worker, requests: 1, resources: { ...figures, cpuSeconds } }] };
      const status: PorticoStatus = { startedAt: now, version: '0.1.0', pid: 42, sampling: { available: true, interval: 5 }, apps: [shop] };
      return /^  shop#1 .*$/m.exec(statusTable(status, status.apps, now))![0];
    };
    assert.match(row(0.29), / 2\.5% +0\.3s +81\.0 MiB /);
    assert.match(row(3723.9), / 2\.5% +1h 02m +81\.0 MiB /);
    assert.match(row(125), / 2\.5% +2m 05s +81\.0 MiB /);
  });

  it('says under the table why CPU and memory are not shown (macOS: no /proc)', () => {
    const shop: AppStatus = { name: 'shop', match: { host: '*', path: '/' }, state: 'ready', eager: true, queueDepth: 0, workers: [{ ...worker, requests: 1 }] };
    const note = 'this system has no /proc (macOS): CPU, memory and file descriptors are not shown';
    const status: PorticoStatus = { startedAt: now, version: '0.1.0', pid: 42, sampling: { available: false, interval: 5, note }, apps: [shop] };
    const text = statusTable(status, status.apps, now);
    assert.match(text, /^  shop#1 +ready +4250 +40123 +1m 03s +0 +3 +1 +- +- +- +- +-$/m);
    assert.ok(text.includes(`CPU and memory: ${note}`));
  });

  it("says under the table where the workers' figures were read: their cgroup, or /proc", () => {
    const cgroup = { ...figures, source: { processes: 'cgroup' as const, cpu: 'cgroup' as const, memory: 'proc' as const } };
    const tree = { ...figures, source: { processes: 'tree' as const, cpu: 'proc' as const, memory: 'proc' as const } };
    const shop: AppStatus = { name: 'shop', match: { host: '*', path: '/' }, state: 'ready', eager: true, queueDepth: 0, workers: [{ ...worker, resources: cgroup }, { ...worker, id: 'shop#2', resources: cgroup }] };
    const blog: AppStatus = { ...shop, name: 'blog', workers: [{ ...worker, id: 'blog#1', resources: tree }] };
    const status: PorticoStatus = { startedAt: now, version: '0.1.0', pid: 42, sampling: { available: true, interval: 5 }, apps: [shop, blog] };
    const text = statusTable(status, status.apps, now);
    assert.ok(
      text.includes("CPU and memory: from the worker's cgroup (cgroup.procs, cpu.stat, memory from /proc: no memory controller for it in cgroup v2); from /proc, over the process tree below the worker\n"),
      text,
    );
  });
});

describe('statusTable fronts', () => {
  const now = 1_000_000;
  const shop: AppStatus = { name: 'shop', match: { host: '*', path: '/' }, state: 'ready', eager: true, queueDepth: 0, workers: [] };

  it('shows each front process under the apps, so a front that was restarted or is starting is seen', () => {
    const status: PorticoStatus = {
      startedAt: now - 5_000,
      version: '0.1.0',
      pid: 42,
      apps: [shop],
      fronts: [
        { front: 1, pid: 4301, state: 'serving', restarts: 1, connections: 12, refusedMessages: 0, unansweredAsks: 0 },
        { front: 2, pid: undefined, state: 'starting', restarts: 0, connections: 0, refusedMessages: 0, unansweredAsks: 0 },
      ],
    };
    const text = statusTable(status, status.apps, now);
    assert.match(text, /^FRONT +STATE +PID +RESTARTS +CONNECTIONS$/m);
    assert.match(text, /^1 +serving +4301 +1 +12$/m);
    assert.match(text, /^2 +starting +- +0 +0$/m);
  });

  it('shows no front table when Portico serves in one process', () => {
    const status: PorticoStatus = { startedAt: now - 5_000, version: '0.1.0', pid: 42, apps: [shop] };
    assert.doesNotMatch(statusTable(status, status.apps, now), /FRONT/);
  });
});
