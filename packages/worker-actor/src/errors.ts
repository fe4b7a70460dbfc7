import { definePorticoError } from '@portico/errors';

export const InvalidWorkerOptionError = definePorticoError(
  'PORTICO_ERR_WORKER_INVALID_OPTION',
  'InvalidWorkerOptionError',
  (path: string, problem: string) => `worker option "${path}" ${problem}`,
);

export const SocketPathTooLongError = definePorticoError(
  'PORTICO_ERR_WORKER_SOCKET_PATH_TOO_LONG',
  'SocketPathTooLongError',
  (path: string, max: number) => `unix socket path ${path} is longer than ${max} bytes; set TMPDIR to a shorter directory`,
);

export const ListenSocketError = definePorticoError(
  'PORTICO_ERR_WORKER_LISTEN_SOCKET',
  'ListenSocketError',
  (where: string, why: string) => `could not bind the activation socket at ${where}: ${why}; pick another address or free it`,
);

export const WorkerCrashedError = definePorticoError(
  'PORTICO_ERR_WORKER_CRASHED',
  'WorkerCrashedError',
  (summary: string) => `the backend exited unasked (${summary}); its stderr tail is in the error's exit.stderrTail`,
);

export const WorkerStartFailedError = definePorticoError(
  'PORTICO_ERR_WORKER_START_FAILED',
  'WorkerStartFailedError',
  (summary: string) => `the backend exited before it was ready (${summary}); check processPath, arguments and its stderr tail`,
);

export const WorkerStartupTimeoutError = definePorticoError(
  'PORTICO_ERR_WORKER_STARTUP_TIMEOUT',
  'WorkerStartupTimeoutError',
  (seconds: number, readiness: string) =>
    `the backend was not ready within startupTimeLimit (${seconds} s, readiness "${readiness}"); it was killed. Check it listens where PORT or PORTICO_SOCKET says, or raise startupTimeLimit`,
);

export const WorkerUnresponsiveError = definePorticoError(
  'PORTICO_ERR_WORKER_UNRESPONSIVE',
  'WorkerUnresponsiveError',
  (reason: string) => `the backend was alive but failed its liveness check (${reason}); it was replaced, and stopped within shutdownTimeLimit. Check it is not blocked, or loosen liveness`,
);
