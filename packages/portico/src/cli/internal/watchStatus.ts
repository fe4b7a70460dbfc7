import { setTimeout as sleep } from 'node:timers/promises';
import type { CliIo } from '../CliIo.ts';
import { ExitCode } from '../ExitCode.ts';
import { untilInterrupted } from './untilInterrupted.ts';

// ANSI: cursor home, clear the screen, clear to the end of the line, clear below the cursor.
const home = '\x1b[H';
const clearScreen = '\x1b[2J';
const clearLine = '\x1b[K';
const clearBelow = '\x1b[J';

/**
 * `portico status -w`: draws the table every `intervalMs` until interrupted (exit 0). On a
 * terminal each draw goes home and overwrites the last one line by line, clearing what it leaves,
 * so the table stays in place without flicker (the first clears the screen); piped, each table
 * follows the last, for a log. A failure to ask (Portico stopped) ends the watch with its error.
 */
export async function watchStatus(draw: () => Promise<string>, intervalMs: number, io: CliIo): Promise<ExitCode> {
  const { interrupted, dispose } = untilInterrupted(io);
  let stop = false;
  void interrupted.then(() => (stop = true));
  const idle = new AbortController();
  void interrupted.then(() => idle.abort());
  try {
    for (let first = true; !stop; first = false) {
      const table = await draw();
      if (stop) break;
      const seconds = `${Number((intervalMs / 1000).toFixed(3))}s`;
      if (io.isTerminal === true) {
        const lines = `${new Date().toTimeString().slice(0, 8)}  every ${seconds}; Ctrl-C to stop\n\n${table}`.split('\n');
        io.stdout(`${first ? clearScreen : ''}${home}${lines.map((line) => `${line}${clearLine}`).join('\n')}${clearBelow}`);
      } else {
        io.stdout(`${first ? '' : '\n'}${new Date().toISOString()}\n${table}`);
      }
      await sleep(intervalMs, undefined, { signal: idle.signal }).catch(() => undefined);
    }
    return ExitCode.ok;
  } finally {
    dispose();
  }
}
