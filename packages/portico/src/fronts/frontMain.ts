// The entry point of a front process, started by the control process (spawnFront).
import { fstatSync } from 'node:fs';
import net from 'node:net';
import { systemClock } from '@portico/supervisor';
import { FrontInbox } from './FrontInbox.ts';
import type { ControlMessage, FrontMessage, SentFrontMessage } from './FrontMessage.ts';
import { runFront } from './runFront.ts';
import { frontChannelFd } from './spawnFront.ts';

try {
  fstatSync(frontChannelFd);
} catch {
  throw new Error(`a Portico front process runs started by the control process, with its channel on fd ${frontChannelFd}`);
}
// The control process decides when a front goes: a terminal's Ctrl-C reaches the whole group.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// SIGHUP is the control's reload; sent to every process (`systemctl kill -s HUP`, `kill -HUP
// -PGID`, a terminal's hangup), Node's default would end the front with its connections.
process.on('SIGHUP', () => {});
// Node's SIGUSR1 would open its inspector to every local user; SIGUSR2 would end the front.
process.on('SIGUSR1', () => {});
process.on('SIGUSR2', () => {});

const channel = new net.Socket({ fd: frontChannelFd, readable: true, writable: true });
// Without its control process a front has nobody to route for, and nobody to tell anything: it
// ends at once, by SIGKILL to itself. process.exit would wait for libuv's pool, which a file read
// stuck on a FIFO holds for good, and left the front behind with the listen sockets. (A front whose
// event loop is held does not get here: the control's OrphanGuard kills it.)
const orphaned = () => process.kill(process.pid, 'SIGKILL');
channel.on('end', orphaned);
channel.on('error', orphaned);
// The control process is this front's own supervisor: what it sends is not bounded here.
const inbox = new FrontInbox({ messageBytes: Infinity, messagesPerSecond: Infinity, bytesPerSecond: Infinity });
const listeners: ((message: ControlMessage) => void)[] = [];
channel.on('data', (chunk: Buffer) => {
  for (const message of inbox.read(chunk)) for (const listener of listeners) listener(message as ControlMessage);
});

/** The front's clock: its reports' seconds, its log budget's, and the stamp on what it sends. */
const clock = systemClock;

/** Messages written and not yet flushed: an exit waits for them (a `failed` says why). */
let unsent = 0;
let exitCode: number | undefined;
const exitWhenSent = () => {
  if (exitCode !== undefined && unsent === 0) process.exit(exitCode);
};
runFront({
  send: (message: FrontMessage) => {
    unsent += 1;
    // Stamped with this front's clock: the control counts what a front sends by the front's own
    // seconds, so what waited in the channel while the control was held up is not a flood (FrontInbox).
    const sent: SentFrontMessage = { ...message, sentAt: Math.floor(clock.now()) };
    channel.write(`${JSON.stringify(sent)}\n`, () => {
      unsent -= 1;
      exitWhenSent();
    });
  },
  pending: () => channel.writableLength,
  onMessage: (listener) => listeners.push(listener),
  exit: (code) => {
    exitCode = code;
    exitWhenSent();
  },
}, clock);
