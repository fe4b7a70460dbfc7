// The paced load generator as a process of its own (startPacedLoad.ts starts it), so that its CPU
// is neither the benchmark's nor the proxy's and it can be pinned away from the proxy:
//
//   node --import tsx bench/support/pacedLoadDriver.ts PORT RATE SECONDS CONNECTIONS [CPU]
//
// With CPU, it first moves itself (every thread) to that CPU with taskset, as wrk is run there.
// Once its connections are open it prints `ready` and waits for a line on its stdin, so that
// its start (a second or two of loading) falls outside what the benchmark measures; then it runs
// and prints its PacedLoadRun as one JSON line.
import { once } from 'node:events';
import { drivePacedLoad } from './drivePacedLoad.ts';
import { pin } from './pin.ts';

const [port, rate, seconds, connections, cpu] = process.argv.slice(2);
if (cpu !== undefined) pin(cpu, [process.pid]);
const go = async (): Promise<void> => {
  process.stdout.write('ready\n');
  const told = await Promise.race([once(process.stdin, 'data').then(() => true), once(process.stdin, 'end').then(() => false)]);
  // The bench went away without a word: leave rather than hold 50 idle connections open.
  if (!told) process.exit(1);
  process.stdin.destroy();
};
const run = await drivePacedLoad({ port: Number(port), rate: Number(rate), seconds: Number(seconds), connections: Number(connections) }, go);
process.stdout.write(`${JSON.stringify(run)}\n`);
