// Loaded with `--import` into a process a benchmark measures (and, through execArgv, into the
// front processes it starts): between two SIGUSR2 it records every garbage collection (how long
// each paused the thread, by PerformanceObserver) and what was allocated (by V8's GCProfiler:
// the heap's size before each collection less its size after the one before), then writes them
// to gcMeterFile(pid) for the benchmark to read (gcFigures.ts).
import { renameSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, performance, constants, type PerformanceEntry } from 'node:perf_hooks';
import v8 from 'node:v8';
import { gcMeterFile, type GcReading } from './gcFigures.ts';

let pauses: { minor: number[]; major: number[] } | undefined;
let profiler: v8.GCProfiler | undefined;
let startedAt = 0;
let usedAtStart = 0;

new PerformanceObserver((list) => {
  if (pauses === undefined) return;
  for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
    (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR ? pauses.minor : pauses.major).push(entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

process.on('SIGUSR2', () => {
  if (pauses === undefined) {
    pauses = { minor: [], major: [] };
    profiler = new v8.GCProfiler();
    profiler.start();
    startedAt = performance.now();
    usedAtStart = v8.getHeapStatistics().used_heap_size;
    return;
  }
  const profile = profiler!.stop();
  let allocated = 0;
  let used = usedAtStart;
  for (const gc of profile.statistics) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - used;
    used = gc.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += v8.getHeapStatistics().used_heap_size - used;
  const reading: GcReading = { seconds: (performance.now() - startedAt) / 1000, allocated, minor: pauses.minor, major: pauses.major, rss: process.memoryUsage.rss() };
  pauses = undefined;
  // Whole or not at all: the benchmark reads the file as soon as it is there.
  const file = gcMeterFile(process.pid);
  writeFileSync(`${file}.part`, JSON.stringify(reading));
  renameSync(`${file}.part`, file);
});
