import type { AppOutputFeed, AppOutputLine } from '@portico/listener';
import type { OutputLine } from '@portico/log-sink';

// Per worker slot, across its processes: what `portico logs` can show of the past.
const KEPT_BYTES_PER_WORKER = 128 * 1024;
// What a kept line costs beyond its text, so a flood of empty lines is bounded too.
const LINE_OVERHEAD_BYTES = 64;

interface Kept {
  readonly seq: number;
  readonly line: AppOutputLine;
}

interface WorkerLines {
  readonly lines: Kept[];
  bytes: number;
}

/**
 * Every app's output, line by line, as the captures deliver it: the newest 128 KiB per worker
 * slot (kept across the slot's processes, so a crashed process's last lines stay after its
 * successor starts), and the lines to come for whoever subscribes (`portico logs -f`, the JSON
 * copy on stdout). A process's capture is complete before its successor spawns, so its last line
 * always comes before the successor's first. Only apps configured now are kept: a reload that
 * removes an app `forget`s its lines, and what its stopping processes write after goes to the
 * subscribers only, so apps renamed at each deploy never pile up 128 KiB per worker slot.
 */
export class AppOutputHub implements AppOutputFeed {
  readonly #workers = new Map<string, WorkerLines>();
  readonly #listeners = new Set<(line: AppOutputLine) => void>();
  readonly #isApp: (app: string) => boolean;
  #seq = 0;

  /** `isApp`: whether an app of that name is configured now (an unknown one is a 404). */
  constructor(isApp: (app: string) => boolean) {
    this.#isApp = isApp;
  }

  push(app: string, worker: string, pid: number, lines: readonly OutputLine[]): void {
    const key = `${app}\0${worker}`;
    let kept = this.#workers.get(key);
    if (kept === undefined && this.#isApp(app)) this.#workers.set(key, (kept = { lines: [], bytes: 0 }));
    for (const { stream, time, text } of lines) {
      const line: AppOutputLine = { app, worker, pid, stream, time, line: text };
      if (kept !== undefined) {
        kept.lines.push({ seq: this.#seq++, line });
        kept.bytes += text.length + LINE_OVERHEAD_BYTES;
      }
      for (const listener of this.#listeners) {
        try {
          listener(line);
        } catch {
          // One reader's failure must not stop the others or the capture.
        }
      }
    }
    if (kept === undefined) return;
    let drop = 0;
    while (kept.bytes > KEPT_BYTES_PER_WORKER && drop < kept.lines.length) {
      kept.bytes -= kept.lines[drop]!.line.line.length + LINE_OVERHEAD_BYTES;
      drop++;
    }
    if (drop > 0) kept.lines.splice(0, drop);
  }

  /** Drops every line kept of `app`: a reload removed it. */
  forget(app: string): void {
    for (const key of this.#workers.keys()) if (key.startsWith(`${app}\0`)) this.#workers.delete(key);
  }

  recent(app?: string): readonly AppOutputLine[] | undefined {
    if (app !== undefined && !this.#isApp(app)) return undefined;
    const all: Kept[] = [];
    for (const kept of this.#workers.values()) {
      for (const entry of kept.lines) if (app === undefined || entry.line.app === app) all.push(entry);
    }
    return all.sort((a, b) => a.seq - b.seq).map((entry) => entry.line);
  }

  subscribe(listener: (line: AppOutputLine) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** One line as a JSON line: `{"app","worker","pid","stream","time","line"}`, `time` in ISO 8601 UTC. */
export function appOutputJson({ app, worker, pid, stream, time, line }: AppOutputLine): string {
  return `${JSON.stringify({ app, worker, pid, stream, time: new Date(time).toISOString(), line })}\n`;
}
