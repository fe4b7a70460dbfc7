import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock } from '@portico/supervisor';
import { readCgroupUsage } from '../src/internal/readCgroupUsage.ts';
import { readProcessTree } from '../src/internal/readProcessTree.ts';
import { ResourceSampler, type ProcessHost, type ProcessUsage } from '../src/index.ts';

/** A /proc of our own: `stat` with the given comm and CPU ticks, `status` with VmRSS, fds and children. */
function fakeProc(processes: Record<number, { comm: string; state?: string; ticks: [number, number, number, number]; rssKb: number; fds: number; children: number[] }>): string {
  const root = mkdtempSync(join(tmpdir(), 'portico-proc-'));
  for (const [pid, p] of Object.entries(processes)) {
    mkdirSync(join(root, pid, 'fd'), { recursive: true });
    mkdirSync(join(root, pid, 'task', pid), { recursive: true });
    // Fields 3–13, then utime stime cutime cstime (14–17), then the rest.
    writeFileSync(join(root, pid, 'stat'), `${pid} (${p.comm}) ${p.state ?? 'S'} 1 1 1 0 -1 0 0 0 0 0 ${p.ticks.join(' ')} 20 0 1 0 100 0 0\n`);
    writeFileSync(join(root, pid, 'status'), `Name:\t${p.comm}\nVmPeak:\t  999 kB\nVmRSS:\t  ${p.rssKb} kB\n`);
    for (let fd = 0; fd < p.fds; fd++) writeFileSync(join(root, pid, 'fd', String(fd)), '');
    writeFileSync(join(root, pid, 'task', pid, 'children'), p.children.map((c) => `${c} `).join(''));
  }
  return root;
}

const fromProc = { processes: 'tree', cpu: 'proc', memory: 'proc' };

/** A cgroup directory of our own: cgroup.procs, and cpu.stat and memory.current when given. */
function fakeCgroup(pids: number[], files: { cpuStat?: string; memoryCurrent?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'portico-cgroup-'));
  writeFileSync(join(dir, 'cgroup.procs'), pids.map((pid) => `${pid}\n`).join(''));
  if (files.cpuStat !== undefined) writeFileSync(join(dir, 'cpu.stat'), files.cpuStat);
  if (files.memoryCurrent !== undefined) writeFileSync(join(dir, 'memory.current'), files.memoryCurrent);
  return dir;
}

describe('readCgroupUsage', () => {
  const proc = () =>
    fakeProc({
      10: { comm: 'main', ticks: [100, 0, 0, 0], rssKb: 1000, fds: 4, children: [] },
      // Re-parented away from 10 (a double fork): no tree walk from 10 finds it.
      20: { comm: 'daemon', ticks: [50, 0, 0, 0], rssKb: 2000, fds: 2, children: [] },
    });

  it("counts every process of the cgroup, CPU from cpu.stat and memory from memory.current when it has them", () => {
    const cgroup = fakeCgroup([10, 20], { cpuStat: 'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n', memoryCurrent: '7340032\n' });
    assert.deepEqual(readCgroupUsage(cgroup, proc()), { cpuSeconds: 2.5, memoryBytes: 7340032, fds: 6, processes: 2, source: { processes: 'cgroup', cpu: 'cgroup', memory: 'cgroup' } });
  });

  it('sums /proc over the cgroup\'s processes for what the cgroup lacks (no memory controller, as on a hybrid hierarchy)', () => {
    const cgroup = fakeCgroup([10, 20], { cpuStat: 'usage_usec 2500000\n' });
    assert.deepEqual(readCgroupUsage(cgroup, proc()), { cpuSeconds: 2.5, memoryBytes: 3000 * 1024, fds: 6, processes: 2, source: { processes: 'cgroup', cpu: 'cgroup', memory: 'proc' } });
    assert.deepEqual(readCgroupUsage(fakeCgroup([10, 20]), proc())?.source, { processes: 'cgroup', cpu: 'proc', memory: 'proc' });
    assert.equal(readCgroupUsage(fakeCgroup([10, 20]), proc())?.cpuSeconds, 1.5);
  });

  it('answers undefined for a cgroup that is gone or empty, so the caller reads the process tree', () => {
    assert.equal(readCgroupUsage(join(tmpdir(), 'no-such-cgroup-here'), proc()), undefined);
    assert.equal(readCgroupUsage(fakeCgroup([]), proc()), undefined);
  });
});

describe('readProcessTree', () => {
  it('sums CPU, memory and fds over the process and everything below it, reading comm with spaces and parentheses', () => {
    const proc = fakeProc({
      10: { comm: 'gunicorn: master [app] ) x', ticks: [100, 50, 20, 10], rssKb: 1000, fds: 4, children: [11, 12] },
      11: { comm: 'gunicorn: worker', ticks: [200, 0, 0, 0], rssKb: 2000, fds: 3, children: [13] },
      12: { comm: 'w', ticks: [0, 0, 0, 0], rssKb: 500, fds: 1, children: [] },
      13: { comm: 'grandchild', ticks: [30, 0, 0, 0], rssKb: 100, fds: 2, children: [] },
      99: { comm: 'not ours', ticks: [9999, 0, 0, 0], rssKb: 9999, fds: 9, children: [] },
    });
    assert.deepEqual(readProcessTree(10, proc), { cpuSeconds: 4.1, memoryBytes: 3600 * 1024, fds: 10, processes: 4, source: fromProc });
  });

  it('skips a child that is gone, and counts a zombie as a process holding no memory or fds but the CPU time it used', () => {
    const proc = fakeProc({
      10: { comm: 'main', ticks: [100, 0, 0, 0], rssKb: 1000, fds: 1, children: [11, 12] },
      // Exited, not yet reaped: its time moves to main's cutime only then. Not counted meanwhile,
      // the tree's CPU seconds fell for that moment, which a Prometheus counter reads as a reset.
      11: { comm: 'dead', state: 'Z', ticks: [400, 100, 0, 0], rssKb: 0, fds: 0, children: [] },
    });
    assert.deepEqual(readProcessTree(10, proc), { cpuSeconds: 6, memoryBytes: 1000 * 1024, fds: 1, processes: 2, source: fromProc });
  });

  it('answers undefined for a process that is gone', () => {
    assert.equal(readProcessTree(10, fakeProc({})), undefined);
  });
});

describe('ResourceSampler', () => {
  const usageHost = (usage: Map<number, ProcessUsage>): ProcessHost => ({ usage: (pid: number) => usage.get(pid) }) as unknown as ProcessHost;
  const figures = (cpuSeconds: number, memoryBytes = 1): ProcessUsage => ({ cpuSeconds, memoryBytes, fds: 1, processes: 1 });

  it('samples on the clock every interval and gives CPU percent since the previous sample', () => {
    const clock = new SimulatedClock();
    const usage = new Map([[7, figures(1)]]);
    let samples = 0;
    const sampler = new ResourceSampler({ host: usageHost(usage), clock, interval: 2, targets: () => [{ slot: 'a#1', pid: 7, startedAt: 0 }], onSample: () => samples++ });
    sampler.start();
    clock.advance(1999);
    assert.equal(sampler.get('a#1', 7), undefined);
    clock.advance(1);
    // First sample: over the process's life, 1 s of CPU in 2 s.
    assert.equal(sampler.get('a#1', 7)?.cpuPercent, 50);
    usage.set(7, figures(4));
    clock.advance(2000);
    assert.equal(sampler.get('a#1', 7)?.cpuPercent, 150);
    assert.equal(samples, 2);
    assert.equal(sampler.get('a#1', 8), undefined, 'figures of an earlier process are not a new one\'s');
    sampler.stop();
    clock.advance(10_000);
    assert.equal(samples, 2);
    assert.equal(clock.pendingTimers, 0);
  });

  it("never gives a process less CPU time than at its last sample: the figure is a counter (portico_worker_cpu_seconds_total)", () => {
    const clock = new SimulatedClock();
    const usage = new Map([[7, figures(5)]]);
    const sampler = new ResourceSampler({ host: usageHost(usage), clock, interval: 1, targets: () => [{ slot: 'a#1', pid: 7, startedAt: 0 }], onSample: () => {} });
    sampler.start();
    clock.advance(1000);
    // A child left the tree with its time (double-forked away, or reaped outside it).
    usage.set(7, figures(3));
    clock.advance(1000);
    assert.deepEqual([sampler.get('a#1', 7)?.cpuSeconds, sampler.get('a#1', 7)?.cpuPercent], [5, 0]);
    // Growth after it counts again once the tree passes what was shown.
    usage.set(7, figures(6));
    clock.advance(1000);
    assert.deepEqual([sampler.get('a#1', 7)?.cpuSeconds, sampler.get('a#1', 7)?.cpuPercent], [6, 100]);
    sampler.stop();
  });

  it('takes a new interval at once, and turns on from 0 while running', () => {
    const clock = new SimulatedClock();
    let samples = 0;
    const sampler = new ResourceSampler({ host: usageHost(new Map([[7, figures(1)]])), clock, interval: 0, targets: () => [{ slot: 'a#1', pid: 7, startedAt: 0 }], onSample: () => samples++ });
    sampler.start();
    assert.equal(clock.pendingTimers, 0);
    sampler.setInterval(1);
    clock.advance(3000);
    assert.equal(samples, 3);
  });

  it('says it is not available, and never samples, where the host cannot tell (no /proc)', () => {
    const clock = new SimulatedClock();
    const sampler = new ResourceSampler({ host: {} as ProcessHost, clock, interval: 1, targets: () => [{ slot: 'a#1', pid: 7, startedAt: 0 }], onSample: () => assert.fail('sampled') });
    sampler.start();
    assert.equal(sampler.available, false);
    assert.equal(clock.pendingTimers, 0);
  });

  it('refuses an interval out of range, naming the option', () => {
    assert.throws(() => new ResourceSampler({ host: {} as ProcessHost, clock: new SimulatedClock(), interval: -1, targets: () => [], onSample: () => {} }), /sampleInterval/);
  });
});
