import { spawn, type ChildProcess } from 'node:child_process';

/** A command running on a pseudo-terminal: what it printed there, and keys typed into it. */
export interface TerminalRun {
  readonly child: ChildProcess;
  /** Everything the terminal showed so far (carriage returns removed). */
  output(): string;
  /** Resolves once the output matches `pattern`; rejects if the command ends first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** Types Ctrl-C: the terminal sends SIGINT to the command, as it would to a person's. */
  interrupt(): void;
  /** Resolves with the command's exit status. */
  readonly exited: Promise<number | null>;
}

// python3's pty.spawn runs the command as the session leader of a new terminal and copies the
// terminal's output to its own stdout and its own stdin into the terminal.
const ptyRunner = 'import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))';

/** Runs `command args…` on a fresh pseudo-terminal (through python3's pty module). */
export function runInTerminal(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): TerminalRun {
  const child = spawn('python3', ['-c', ptyRunner, command, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env });
  let text = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString().replace(/\r/g, '');
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    interrupt: () => child.stdin!.write('\x03'),
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = pattern.exec(text);
          if (!found) return;
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
        void exited.then((code) => {
          if (!waiters.has(check)) return;
          waiters.delete(check);
          reject(new Error(`the command ended (${code}) before printing ${pattern}:\n${text}`));
        });
      });
    },
  };
}
