// Instructions per request, by function: Portico (one process) against the parsing relay (the
// floor of a strict proxy in Node, support/parsingRelay.ts), same backend, same load. On a shared,
// noisy machine a timing moves by a fifth from one run to the next; an instruction count moves by
// a few percent, so a change to the request path shows here at once, and the table says which of
// Portico's functions its own work past the floor sits in. Each proxy runs under valgrind's
// callgrind with counting off, is warmed with wrk until V8 has optimised the path, then counts
// while wrk sends its requests; the instructions counted (user space: the kernel's share is
// bench:syscalls') are divided by wrk's requests. Node runs with `--single-threaded`, so that
// V8's compiler and collector work on the thread being counted, the same for both, with
// `--perf-basic-prof`, whose map names the optimised JavaScript functions callgrind sees only as
// addresses, and with a front's young generation (`frontNodeFlags`: 16 MiB a semi-space), as
// Portico's fronts run: left to itself V8 kept it small under valgrind's slow load, and a
// collection every few hundred requests made a fifth of Portico's count and moved it by a quarter
// from one run to the next. valgrind slows the process tenfold or more: throughput here means
// nothing, and work done by the clock (Portico's resource sampling, metrics, timers) weighs a
// hundred times more per request than at full speed. So each proxy is also counted at rest, for
// as long as under load, and that is taken from its count under load, function by function: the
// table is what the requests cost.
//
//   pnpm bench:instructions [seconds] [rows]   (default 10 s counted, 40 rows; Linux, wrk, valgrind)
//
// PORTICO_INSTRUCTIONS_KEEP=DIR keeps each proxy's callgrind dumps and Node's perf map in DIR
// (`portico-load.callgrind`, `portico-rest.callgrind`, `portico.perf.map`, the same for
// `parsing-relay`), to read who calls what
// (`callgrind_annotate --tree=caller`, JIT addresses named from the map).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRONT_SEMI_SPACE_MIB } from '@portico/portico';
import { startRole } from './support/roleProcess.ts';
import { runWrk } from './support/wrk.ts';

const BACKEND = new URL('./fixtures/raw-backend.mjs', import.meta.url);
/** bench:syscalls' roles: `portico` (one process) and `parsing-relay PORT`. */
const ROLES = new URL('./proxy-syscalls.bench.ts', import.meta.url);
/** Requests each proxy serves before counting starts: enough for V8 to optimise the whole path. */
const WARM_REQUESTS = 30_000;
/** V8's optimising compiler at work during the count: tiering not yet done, reported apart. */
const COMPILER = /^v8::internal::(compiler|maglev)::|^v8::internal::(Pipeline|OptimizingCompileDispatcher)/;

interface Counted {
  readonly requests: number;
  /** Instructions by function (optimised JavaScript by name), over the counted requests; the compiler's apart. */
  readonly byFunction: Map<string, number>;
  readonly total: number;
  readonly compiler: number;
  /** Instructions counted at rest over as many seconds, already taken from `byFunction` and `total`. */
  readonly atRest: number;
}

/** Instructions by function over one window of counting, the compiler's apart. */
interface Window {
  readonly byFunction: Map<string, number>;
  readonly compiler: number;
}

const seconds = Number(process.argv[2] ?? 10);
const keep = process.env.PORTICO_INSTRUCTIONS_KEEP;
const rows = Number(process.argv[3] ?? 40);
for (const tool of ['valgrind', 'callgrind_control', 'callgrind_annotate', 'wrk']) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    process.stderr.write(`bench:instructions needs ${tool} (Debian: apt-get install valgrind wrk)\n`);
    process.exit(1);
  }
}

const backend = await startRole(BACKEND, ['--report-port']);
try {
  const floor = await counted(['parsing-relay', String(backend.port)]);
  const portico = await counted(['portico']);
  print(floor, portico);
} finally {
  backend.child.kill('SIGTERM');
}

/**
 * Runs `role` under callgrind, warms it, and counts the instructions of `seconds` at rest, then of
 * `seconds` of wrk's requests; what it does at rest is taken from what it does under load.
 */
async function counted(role: readonly string[]): Promise<Counted> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-instructions-'));
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
      process.execPath, '--single-threaded', '--perf-basic-prof', `--min-semi-space-size=${FRONT_SEMI_SPACE_MIB}`, ...process.execArgv, ROLES.pathname, ...role],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  try {
    const port = await reportedPort(child);
    for (let warmed = 0; warmed < WARM_REQUESTS; ) warmed += runWrk(port, { seconds: 5, connections: 10 }).requests;
    const rest = await countWindow(child.pid!, dir, 'rest', () => new Promise((resolve) => setTimeout(resolve, seconds * 1000)));
    let requests = 0;
    const load = await countWindow(child.pid!, dir, 'load', () => {
      requests = runWrk(port, { seconds, connections: 10 }).requests;
    });
    const byFunction = new Map<string, number>();
    for (const [name, count] of load.byFunction) byFunction.set(name, count - (rest.byFunction.get(name) ?? 0));
    for (const [name, count] of rest.byFunction) if (!load.byFunction.has(name)) byFunction.set(name, -count);
    if (keep !== undefined) copyFileSync(join(tmpdir(), `perf-${child.pid}.map`), join(keep, `${role[0]}.perf.map`));
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    return { requests, byFunction, total: sum(byFunction), compiler: load.compiler - rest.compiler, atRest: sum(rest.byFunction) };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    rmSync(join(tmpdir(), `perf-${child.pid}.map`), { force: true });
    rmSync(dir, { recursive: true, force: true });
  }

  /** Counts while `during` runs, from zero, and reads the dumps it made (kept as `ROLE-LABEL*.callgrind`). */
  async function countWindow(pid: number, dir: string, label: string, during: () => Promise<unknown> | void): Promise<Window> {
    const before = new Set(readdirSync(dir));
    execFileSync('callgrind_control', ['--zero', String(pid)], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['--instr=on', String(pid)], { stdio: 'ignore' });
    await during();
    execFileSync('callgrind_control', ['--instr=off', String(pid)], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['--dump', String(pid)], { stdio: 'ignore' });
    const names = perfMap(pid);
    const dumps = readdirSync(dir).filter((file) => file.startsWith('callgrind.out.') && !before.has(file));
    const byFunction = new Map<string, number>();
    let compiler = 0;
    for (const dump of dumps) {
      const text = execFileSync('callgrind_annotate', ['--threshold=100', join(dir, dump)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      for (const [name, count] of annotated(text, names)) {
        if (COMPILER.test(name)) compiler += count;
        else byFunction.set(name, (byFunction.get(name) ?? 0) + count);
      }
    }
    if (keep !== undefined) {
      mkdirSync(keep, { recursive: true });
      dumps.forEach((dump, i) => copyFileSync(join(dir, dump), join(keep, `${role[0]}-${label}${i === 0 ? '' : `.${i}`}.callgrind`)));
    }
    return { byFunction, compiler };
  }
}

async function reportedPort(child: ChildProcess): Promise<number> {
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return Number(line.toString().trim().split(' ')[0]);
}

/** Node's perf map (start, size, name per line), sorted by start, for naming JIT addresses. */
function perfMap(pid: number): Array<[number, number, string]> {
  const entries: Array<[number, number, string]> = [];
  for (const line of readFileSync(join(tmpdir(), `perf-${pid}.map`), 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m) entries.push([parseInt(m[1]!, 16), parseInt(m[2]!, 16), m[3]!]);
  }
  return entries.sort((a, b) => a[0] - b[0]);
}

function nameAt(names: ReadonlyArray<[number, number, string]>, address: number): string | undefined {
  let lo = 0;
  let hi = names.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [start, size, name] = names[mid]!;
    if (address < start) hi = mid - 1;
    else if (address >= start + size) lo = mid + 1;
    else return name;
  }
  return undefined;
}

/** callgrind_annotate's exclusive counts by function, JIT addresses named, paths cut to the package. */
function* annotated(text: string, names: ReadonlyArray<[number, number, string]>): Generator<[string, number]> {
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+) \([\s\d.]+%\)\s+(.*)$/.exec(line);
    if (m === null || m[2]!.includes('PROGRAM TOTALS')) continue;
    const count = Number(m[1]!.replace(/,/g, ''));
    const jit = /^\?\?\?:0x([0-9a-f]+)/.exec(m[2]!);
    let name = jit ? nameAt(names, parseInt(jit[1]!, 16)) ?? 'JIT code not in the map' : m[2]!.replace(/^\?\?\?:/, '');
    name = name.replace(/^(?:JS|Function):[*~^]?/, '').replace(/file:\/\/\/\S*?\/(packages|bench)\//, '$1/').replace(/\s*\[[^\]]*\]$/, '');
    yield [name.length > 110 ? `${name.slice(0, 107)}...` : name, count];
  }
}

function print(floor: Counted, portico: Counted): void {
  const per = (c: Counted, name: string) => (c.byFunction.get(name) ?? 0) / c.requests;
  const line = (name: string, c: Counted) =>
    `${name} ${(c.total / c.requests).toFixed(0)} (${c.requests} requests; at rest ${(c.atRest / seconds / 1e6).toFixed(1)} M a second, taken out; V8's optimising compiler another ${(c.compiler / c.requests).toFixed(0)}, left out)`;
  process.stdout.write(`instructions per request (user space; wrk, 10 connections, ${seconds} s counted after ${WARM_REQUESTS} requests of warming; ${process.version})\n`);
  process.stdout.write(`${line('parsing relay', floor)}\n${line('portico', portico)}\n`);
  process.stdout.write(`portico ÷ floor ${(portico.total / portico.requests / (floor.total / floor.requests)).toFixed(2)}, ${((portico.total / portico.requests) - floor.total / floor.requests).toFixed(0)} more a request\n\n`);
  process.stdout.write(`${'portico − floor'.padStart(15)}${'floor'.padStart(8)}${'portico'.padStart(9)}  function (exclusive)\n`);
  const all = new Set([...floor.byFunction.keys(), ...portico.byFunction.keys()]);
  const sorted = [...all].sort((a, b) => Math.abs(per(portico, b) - per(floor, b)) - Math.abs(per(portico, a) - per(floor, a)));
  for (const name of sorted.slice(0, rows)) {
    const d = per(portico, name) - per(floor, name);
    process.stdout.write(`${`${d >= 0 ? '+' : ''}${d.toFixed(0)}`.padStart(15)}${per(floor, name).toFixed(0).padStart(8)}${per(portico, name).toFixed(0).padStart(9)}  ${name}\n`);
  }
}
