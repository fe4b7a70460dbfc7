import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Clock } from '@portico/supervisor';
import type { OrphanGuard } from '@portico/worker-actor';
import type { FrontSocket } from './bindFrontSockets.ts';
import { checkFrontMessage, type RefusedFrontMessage } from './checkFrontMessage.ts';
import { frontCommand } from './frontCommand.ts';
import { FrontInbox, frontInboxBounds, type InboxOverflow } from './FrontInbox.ts';
import type { ControlMessage, FrontMessage } from './FrontMessage.ts';

/** The file descriptor of a front's channel to the control process; its listen sockets follow it, in `listen` order. */
export const frontChannelFd = 3;

/** One front process as the control sees it: the child, and its end of the front's channel. */
export interface FrontProcess {
  readonly child: ChildProcess;
  /** Sends one message; dropped once the front is gone (its successor is sent everything afresh). */
  send(message: ControlMessage): void;
}

export interface SpawnFrontOptions {
  /** The control's clock, by which the front's channel is bounded (`FrontInbox`). */
  readonly clock: Clock;
  readonly environment: Record<string, string>;
  /** Node flags for this front, after the control process's own (`frontNodeFlags`). */
  readonly nodeFlags: readonly string[];
  readonly sockets: readonly FrontSocket[];
  /** Kills the front if the control process dies, even by SIGKILL, while the front runs. */
  readonly orphans: OrphanGuard;
  /**
   * A message whose every field the control reads is as a front sends it (`checkFrontMessage`),
   * read while the front's process runs: nothing of its channel is read after its exit.
   */
  readonly onMessage: (message: FrontMessage) => void;
  /** A message that is not: it was dropped, nothing of it read. */
  readonly onRefused: (refused: RefusedFrontMessage) => void;
  /** The front passed a bound of its channel (`FrontInbox`): it has been killed, nothing more of it is read. */
  readonly onOverflow: (overflow: InboxOverflow) => void;
}

/**
 * Starts one front process (`frontMain`) with its channel on fd 3 (newline-ended JSON both ways,
 * read by the control through a `FrontInbox`, each message stamped with the front's `sentAt` and
 * checked by `checkFrontMessage`) and the control's listen sockets on fds 4 and up:
 * the sockets are inherited at spawn, so no IPC channel is needed to pass them, and the front has
 * no Node IPC channel at all, whose reader holds every byte until a newline however many come.
 */
export function spawnFront(options: SpawnFrontOptions): FrontProcess {
  const { entry, execArgv } = frontCommand();
  const fds = options.sockets.map((socket) => socket.handle.fd);
  // As `fork` would: the same Node and its flags (a loader in tests), without fork's IPC channel.
  const child = spawn(process.execPath, [...execArgv, ...options.nodeFlags, entry], { env: options.environment, stdio: ['ignore', 'inherit', 'inherit', 'pipe', ...fds] });
  const channel = child.stdio[frontChannelFd] as Socket;
  // A front ends by itself at its channel's end, unless its event loop is held (an endless loop, a
  // synchronous read) or it is stopped: then only the guard ends it, and its listen sockets with it.
  const pid = child.pid;
  if (pid !== undefined) {
    options.orphans.addProcess(pid);
    child.once('exit', () => options.orphans.removeProcess(pid));
  }
  // A write to a front that died between two checks; its exit is what the fleet acts on.
  channel.on('error', () => {});
  // What the front's process says is heard while it runs, and nothing after: its channel is closed
  // at its exit, as the fleet hears of it. The other end may outlive the front, held by a process
  // it started, whose writes were taken as the front number's, and so as its successor's (shown
  // with the orphan's connections and requests; its pong or routes.applied would answer the
  // successor's ping or reload). By the same rule a crashing front's last report, if read after
  // its exit, is dropped, not counted again after the fleet kept its figures (`retireSource`).
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  child.once('exit', () => channel.destroy());
  const inbox = new FrontInbox(frontInboxBounds, options.clock);
  channel.on('data', (chunk: Buffer) => {
    // A chunk the stream held when it was closed: a Readable still hands on what it buffered.
    if (exited()) return;
    for (const value of inbox.read(chunk)) {
      const checked = checkFrontMessage(value);
      if ('message' in checked) options.onMessage(checked.message);
      else options.onRefused(checked.refused);
    }
    if (!inbox.overflow) return;
    // Killed before its channel closes: a front that saw the close first could end on its own
    // (code 0) in between, and its exit would not say that Portico killed it.
    child.kill('SIGKILL');
    channel.destroy();
    options.onOverflow(inbox.overflow);
  });
  return {
    child,
    send: (message) => {
      if (channel.writable) channel.write(`${JSON.stringify(message)}\n`);
    },
  };
}
