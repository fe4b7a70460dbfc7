import type { WorkerOutputTail } from '@portico/listener';
import type { CliIo } from '../CliIo.ts';
import { newOutput } from './newOutput.ts';

/**
 * Prints what is new in each worker's tail since the last read: all of it for a new process
 * (another pid in the slot), else what the tail grew by. Output is headed by the slot and pid
 * whenever the process printed changes, as `tail -f` does with several files.
 */
export class TailPrinter {
  readonly #io: CliIo;
  readonly #seen = new Map<string, { pid: number | undefined; tail: string }>();
  #last: string | undefined;

  constructor(io: CliIo) {
    this.#io = io;
  }

  print(tails: readonly WorkerOutputTail[]): void {
    for (const { worker, pid, tail } of tails) {
      const before = this.#seen.get(worker);
      const fresh = before && before.pid === pid ? newOutput(before.tail, tail) : tail;
      this.#seen.set(worker, { pid, tail });
      if (fresh === '') continue;
      const key = `${worker} ${pid}`;
      // One worker needs no header, until its process is replaced while following.
      const headed = tails.length > 1 || (this.#last !== undefined && this.#last !== key);
      if (headed && this.#last !== key) this.#io.stdout(`${this.#last === undefined ? '' : '\n'}==> ${worker} (${pid === undefined ? 'no process' : `pid ${pid}`}) <==\n`);
      this.#last = key;
      this.#io.stdout(fresh);
    }
  }
}
