import { definePorticoError } from '@portico/errors';

export const InvalidSupervisorOptionError = definePorticoError(
  'PORTICO_ERR_SUPERVISOR_INVALID_OPTION',
  'InvalidSupervisorOptionError',
  (path: string, problem: string, _cause?: unknown) => `supervisor option "${path}" ${problem}`,
);

export const DuplicateChildError = definePorticoError(
  'PORTICO_ERR_SUPERVISOR_DUPLICATE_CHILD',
  'DuplicateChildError',
  (id: string, live = true) =>
    live
      ? `a child with id "${id}" is already started in this supervisor; give each child a unique id`
      : `a child with id "${id}" is already present in this supervisor (not running); restartChild starts it, deleteChild removes its spec`,
);

export const UnknownChildError = definePorticoError(
  'PORTICO_ERR_SUPERVISOR_UNKNOWN_CHILD',
  'UnknownChildError',
  (id: string) => `no child with id "${id}" in this supervisor; whichChildren() lists the ids it has`,
);

export const ChildStillRunningError = definePorticoError(
  'PORTICO_ERR_SUPERVISOR_CHILD_RUNNING',
  'ChildStillRunningError',
  (id: string, action: string) => `child "${id}" has not terminated; terminate it before it can be ${action}`,
);

export const SupervisorNotRunningError = definePorticoError(
  'PORTICO_ERR_SUPERVISOR_NOT_RUNNING',
  'SupervisorNotRunningError',
  (state: string) => `the supervisor is ${state} and takes no more commands; start a new one`,
);

export const ChildStartFailedError = definePorticoError(
  'PORTICO_ERR_SUPERVISOR_START_FAILED',
  'ChildStartFailedError',
  (id: string, why: string, _cause?: unknown) =>
    `child "${id}" did not start: ${why}; nothing changed (a new child was not added, a terminated one stays terminated); fix the cause and start it again`,
);
