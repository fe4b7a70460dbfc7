import type { AppOutputLine } from '@portico/listener';
import { terminalSafe } from '../../internal/terminalSafe.ts';

// Foreground colours that read on dark and light terminals alike (no black, white or grey).
const palette = [36, 35, 32, 33, 34, 96, 95, 92, 93, 94] as const;

/**
 * Prints the apps' output as `pm2 logs` does: each line after its worker, `shop#1 | …`. On a
 * terminal the prefix is in a colour of its app (`colour`; an app keeps its colour from one run
 * to the next, chosen by its name), and a line's control characters are shown, not obeyed
 * (`terminalSafe`). Piped, every line is written as it came.
 */
export class OutputLinePrinter {
  readonly #write: (text: string) => void;
  readonly #terminal: boolean;
  readonly #colour: boolean;

  constructor(write: (text: string) => void, { terminal, colour }: { readonly terminal: boolean; readonly colour: boolean }) {
    this.#write = write;
    this.#terminal = terminal;
    this.#colour = terminal && colour;
  }

  print(lines: readonly AppOutputLine[]): void {
    if (lines.length === 0) return;
    this.#write(lines.map((l) => `${this.#prefix(l)} ${this.#terminal ? terminalSafe(l.line, this.#colour) : l.line}\n`).join(''));
  }

  #prefix({ app, worker }: AppOutputLine): string {
    if (!this.#colour) return `${worker} |`;
    return `\x1b[${palette[hash(app) % palette.length]}m${worker} |\x1b[0m`;
  }
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}
