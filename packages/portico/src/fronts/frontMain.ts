// The entry point of a front process, forked by the control process (createFrontFleet).
import type { ControlMessage, FrontMessage } from './FrontMessage.ts';
import { runFront } from './runFront.ts';

if (!process.send) throw new Error('a Portico front process runs forked by the control process, with an IPC channel');
// The control process decides when a front goes: a terminal's Ctrl-C reaches the whole group.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// Without its control process a front has nobody to route for.
process.on('disconnect', () => process.exit(0));

/** Messages handed to the channel and not yet written: an exit waits for them (a `failed` says why). */
let unsent = 0;
let exitCode: number | undefined;
const exitWhenSent = () => {
  if (exitCode !== undefined && unsent === 0) process.exit(exitCode);
};
runFront({
  send: (message: FrontMessage) => {
    unsent += 1;
    process.send!(message, undefined, {}, () => {
      unsent -= 1;
      exitWhenSent();
    });
  },
  onMessage: (listener) => process.on('message', (message, handle) => listener(message as ControlMessage, handle as object | undefined)),
  exit: (code) => {
    exitCode = code;
    exitWhenSent();
  },
});
