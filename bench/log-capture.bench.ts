// Throughput of createOutputCapture writing a backend's output to files, against a baseline in
// the same run: the same bytes piped into a plain fs.createWriteStream. Both end with fdatasync,
// as close() does. Two sources: a child process flooding its stdout (what the worker sees), and
// an in-process stream (the capture's own cost, without the pipe). Lines are 100 bytes.
// Run (after tsc -b): node --import tsx bench/log-capture.bench.ts [MiB per run]
import { spawn } from 'node:child_process';
import { createWriteStream, fdatasync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createOutputCapture } from '@portico/log-sink';

const MiB = 1024 * 1024;
const mib = Number(process.argv[2] ?? 200);
const rounds = 3;
const chunk = Buffer.from(`${'x'.repeat(99)}\n`.repeat(655));
const chunks = Math.ceil((mib * MiB) / chunk.length);
const bytes = chunks * chunk.length;
const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));

const writer = `
const fs = require('node:fs');
const data = Buffer.from(('x'.repeat(99) + '\\n').repeat(655));
for (let i = 0; i < ${chunks}; i++) {
  let off = 0;
  while (off < data.length) {
    try { off += fs.writeSync(1, data, off); } catch (e) { if (e.code !== 'EAGAIN') throw e; }
  }
}`;

type Source = (into: Writable) => Promise<void>;

const childSource: Source = async (into) => {
  const child = spawn(process.execPath, ['-e', writer], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.pipe(into);
  await new Promise((resolve) => child.once('close', resolve));
};

const memorySource: Source = async (into) => {
  let sent = 0;
  const source = new Readable({
    read() {
      this.push(sent++ < chunks ? chunk : null);
    },
  });
  source.pipe(into);
  await finished(source);
};

/** Each run writes into its own folder, removed after the run. */
type Sink = (folder: string) => { into: Writable; done: () => Promise<void> };

// fs.WriteStream closes its fd on finish; keep it open so the baseline pays for fdatasync too.
const plainWriteStream =
  (highWaterMark: number | undefined): Sink =>
  (folder) => {
    mkdirSync(folder);
    const options = { autoClose: false, ...(highWaterMark === undefined ? {} : { highWaterMark }) };
    const into = createWriteStream(join(folder, 'baseline.log'), options);
    return {
      into,
      done: async () => {
        await finished(into);
        await promisify(fdatasync)((into as unknown as { fd: number }).fd);
        into.destroy();
      },
    };
  };

const capture =
  (timestamps: boolean): Sink =>
  (folder) => {
    const c = createOutputCapture({
      enabled: true,
      file: join(folder, 'stdout'),
      pid: 1,
      maxFiles: 1000,
      timestamps,
    });
    return {
      into: c.stdout,
      done: async () => {
        await finished(c.stdout);
        await c.close();
      },
    };
  };

let runs = 0;
async function measure(source: Source, sink: Sink): Promise<number> {
  const folder = join(dir, String(runs++));
  const { into, done } = sink(folder);
  const start = process.hrtime.bigint();
  await source(into);
  await done();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rmSync(folder, { recursive: true, force: true });
  return bytes / MiB / seconds;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const sinks: [string, Sink][] = [
  ['fs.createWriteStream (baseline)', plainWriteStream(undefined)],
  // The capture buffers up to 1 MiB per stream while a write is in flight; so does this one.
  ['fs.createWriteStream, 1 MiB buffer', plainWriteStream(MiB)],
  ['createOutputCapture', capture(false)],
  ['createOutputCapture, timestamps', capture(true)],
];
const sources: [string, Source][] = [
  ['child process stdout', childSource],
  ['in-process stream', memorySource],
];

console.log(`${(bytes / MiB).toFixed(0)} MiB per run, median of ${rounds} rounds, Node ${process.version}`);
for (const [sourceName, source] of sources) {
  const results = new Map<string, number[]>(sinks.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, sink] of sinks) results.get(name)?.push(await measure(source, sink));
  }
  const base = median(results.get(sinks[0]?.[0] ?? '') ?? []);
  console.log(`\n${sourceName}`);
  for (const [name] of sinks) {
    const value = median(results.get(name) ?? []);
    console.log(`  ${name.padEnd(36)} ${value.toFixed(0).padStart(6)} MiB/s   ${(value / base).toFixed(2)}×`);
  }
}
rmSync(dir, { recursive: true, force: true });
