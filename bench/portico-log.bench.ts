// The cost of writing Portico's own log (createLogger, JSON lines) to a file and to a pipe, against
// pino's own destinations in the same run: sonic-boom writing in libuv's thread pool (`sync:
// false`, what createLogger did until its line in flight at process.exit was reordered or lost)
// and sonic-boom writing on the calling thread (`sync: true`, pino's default). Each variant runs
// in its own child process, which logs a `worker.ready` event per line until every line is
// written, and reports its wall time and CPU time (all threads). Two patterns: a burst (every line
// logged in one loop) and lines spread one per turn of the event loop, as a server logs them.
// Run (after tsc -b): node --import tsx --conditions=portico-source bench/portico-log.bench.ts [lines]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, logEvent, type EventLogger } from '@portico/log-sink';

type Logger = EventLogger & { flush(cb: (error?: Error | null) => void): void };
interface Pino {
  (options: object, destination: unknown): Logger;
  destination(options: { dest: string | number; sync: boolean }): unknown;
  stdTimeFunctions: { isoTime: () => string };
}
// pino is a dependency of @portico/log-sink, not of the workspace root: the very pino it uses.
const { pino } = createRequire(new URL('../packages/log-sink/package.json', import.meta.url))('pino') as { pino: Pino };

type Variant = 'pino async (thread pool)' | 'pino sync' | 'createLogger';
type Pattern = 'burst' | 'spread';
interface Run {
  readonly variant: Variant;
  readonly pattern: Pattern;
  readonly file?: string;
  readonly lines: number;
}
interface Figures {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function makeLogger({ variant, file }: Run): Logger {
  if (variant === 'createLogger') return createLogger({ pretty: false, ...(file === undefined ? {} : { destination: file }) });
  const dest = pino.destination({ dest: file ?? 1, sync: variant === 'pino sync' });
  return pino({ timestamp: pino.stdTimeFunctions.isoTime }, dest);
}

/**
 * Resolves once every line is written. A flush fails while a pipe is full (EAGAIN; createLogger
 * then tries again every 10 ms by itself), so it is asked again until it succeeds.
 */
async function written(logger: Logger): Promise<void> {
  while (!(await new Promise<boolean>((resolve) => logger.flush((error) => resolve(error === undefined || error === null))))) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function child(run: Run): Promise<void> {
  // createLogger reads process.stdout.isTTY, and node then makes a piped stdout non-blocking: so
  // it is for every variant, as it is in Portico.
  void process.stdout.isTTY;
  const logger = makeLogger(run);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const line = (i: number): void => logEvent(logger, 'worker.ready', { workerPid: i, endpoint: '127.0.0.1:40123', startupMs: 812.5 }, `line ${i}`);
  if (run.pattern === 'burst') {
    for (let i = 0; i < run.lines; i++) line(i);
  } else {
    for (let i = 0; i < run.lines; i++) {
      line(i);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await written(logger);
  const used = process.cpuUsage(cpu);
  const figures: Figures = { wallMs: Number(process.hrtime.bigint() - start) / 1e6, cpuMs: (used.user + used.system) / 1000 };
  process.stderr.write(`${JSON.stringify(figures)}\n`);
}

function measure(run: Run): Promise<Figures> {
  const self = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=portico-source', self, JSON.stringify(run)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.resume();
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    proc.once('close', (code) => {
      if (code === 0) resolve(JSON.parse(stderr.trim().split('\n').at(-1) ?? '') as Figures);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(lines: number): Promise<void> {
  const rounds = 3;
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  const variants: Variant[] = ['pino async (thread pool)', 'pino sync', 'createLogger'];
  console.log(`${lines} lines per run (spread: ${lines / 5}), median of ${rounds} rounds, Node ${process.version}; ratios against pino async`);
  for (const to of ['file', 'pipe'] as const) {
    for (const pattern of ['burst', 'spread'] as const) {
      const results = new Map<Variant, Figures[]>(variants.map((variant) => [variant, []]));
      for (let round = 0; round < rounds; round++) {
        for (const variant of variants) {
          const file = to === 'file' ? join(dir, `${round}-${variants.indexOf(variant)}-${pattern}.log`) : undefined;
          const run: Run = { variant, pattern, lines: pattern === 'burst' ? lines : lines / 5, ...(file === undefined ? {} : { file }) };
          results.get(variant)?.push(await measure(run));
        }
      }
      const wall = (variant: Variant): number => median(results.get(variant)?.map((f) => f.wallMs) ?? []);
      const cpu = (variant: Variant): number => median(results.get(variant)?.map((f) => f.cpuMs) ?? []);
      console.log(`\nto a ${to}, ${pattern}`);
      for (const variant of variants) {
        const perLine = (ms: number): string => `${((ms * 1000) / (pattern === 'burst' ? lines : lines / 5)).toFixed(2).padStart(6)} µs/line`;
        console.log(
          `  ${variant.padEnd(26)} wall ${perLine(wall(variant))} ${(wall(variant) / wall(variants[0]!)).toFixed(2)}×` +
            `   cpu ${perLine(cpu(variant))} ${(cpu(variant) / cpu(variants[0]!)).toFixed(2)}×`,
        );
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

const arg = process.argv[2];
if (arg?.startsWith('{') === true) await child(JSON.parse(arg) as Run);
else await main(Number(arg ?? 100_000));
