import type { SamplingStatus } from '@portico/listener';
import type { ProcessHost } from '@portico/worker-actor';

/** Whether the workers' costs are read: not without `/proc` (macOS), nor with `sampleInterval: 0`. */
export function samplingStatus(host: ProcessHost, interval: number): SamplingStatus {
  if (typeof host.usage !== 'function') {
    return { available: false, interval, note: 'this system has no /proc (macOS): CPU, memory and file descriptors are not shown, nor is recycling.memory applied; uptime, requests and in-flight are' };
  }
  if (interval === 0) return { available: true, interval, note: 'sampleInterval is 0: CPU, memory and file descriptors are not read, nor is recycling.memory applied' };
  return { available: true, interval };
}
