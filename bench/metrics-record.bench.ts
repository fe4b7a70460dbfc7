// What RequestMetrics.record() costs the data path per request, against a bare counter increment
// behind the same kind of call in the same run. Inputs rotate through realistic statuses,
// durations and sizes so neither side is folded to a constant.
// Run (after tsc -b): node --import tsx bench/metrics-record.bench.ts
import { RequestMetrics } from '@portico/listener';

const size = 1024;
const statuses = Int32Array.from({ length: size }, (_, i) => (i % 50 === 0 ? 503 : i % 10 === 0 ? 404 : 200));
const durations = Float64Array.from({ length: size }, (_, i) => 0.3 + ((i * 7919) % 2000) / 10);
const sizes = Float64Array.from({ length: size }, (_, i) => (i * 104_729) % 65_536);
const apps = ['shop', 'api', 'reports'];

const metrics = new RequestMetrics({ apps });
const counter = { requests: 0 };

function recordOne(i: number): void {
  const j = i & (size - 1);
  metrics.record('shop', statuses[j]!, durations[j]!, sizes[j]!, sizes[size - 1 - j]!);
}

function baselineOne(i: number): void {
  const j = i & (size - 1);
  counter.requests += statuses[j]! > 0 ? 1 : 0;
}

function measure(fn: (i: number) => void, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / iterations;
}

const iterations = 2_000_000;
for (let i = 0; i < 3; i++) {
  measure(recordOne, 200_000);
  measure(baselineOne, 200_000);
}
const rounds = 7;
const oursNs: number[] = [];
const baseNs: number[] = [];
for (let i = 0; i < rounds; i++) {
  oursNs.push(measure(recordOne, iterations));
  baseNs.push(measure(baselineOne, iterations));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const o = median(oursNs);
const b = median(baseNs);

// Switching apps on every call defeats the last-app shortcut and pays the Map lookup.
const mixed = (i: number) => {
  const j = i & (size - 1);
  metrics.record(apps[i % 3]!, statuses[j]!, durations[j]!, sizes[j]!, 0);
};
measure(mixed, 200_000);
const m = median(Array.from({ length: rounds }, () => measure(mixed, iterations)));

console.log(`${iterations} calls × ${rounds} rounds (median)`);
console.log(`baseline counter increment     : ${b.toFixed(2)} ns/op`);
console.log(`RequestMetrics.record, one app : ${o.toFixed(2)} ns/op  (ratio ${(o / b).toFixed(1)}×)`);
console.log(`RequestMetrics.record, 3 apps  : ${m.toFixed(2)} ns/op  (ratio ${(m / b).toFixed(1)}×)`);
if (counter.requests === 0 || metrics.counts('shop')?.requests === 0) console.log('');
