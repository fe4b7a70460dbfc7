import { definePorticoError } from '@portico/errors';

/** An option given to `createLogger` or `createOutputCapture` has the wrong type or range. */
export const InvalidLogSinkOptionError = definePorticoError(
  'PORTICO_ERR_LOG_SINK_INVALID_OPTION',
  'InvalidLogSinkOptionError',
  (option: string, why: string) => `option "${option}" ${why}`,
);

/** `logEvent` was given a name that is not in the catalogue (only reachable from untyped code). */
export const UnknownLogEventError = definePorticoError(
  'PORTICO_ERR_LOG_SINK_UNKNOWN_EVENT',
  'UnknownLogEventError',
  (name: string) =>
    `event "${name}" is not in the catalogue; add a line for it to PorticoEvents ` +
    '(packages/log-sink/src/PorticoEvents.ts) and a row to docs/events.md',
);

/** An entry of the event catalogue is malformed or reuses an id or a name; raised at load time. */
export const InvalidEventDefinitionError = definePorticoError(
  'PORTICO_ERR_LOG_SINK_INVALID_EVENT_DEFINITION',
  'InvalidEventDefinitionError',
  (name: string, why: string) => `event "${name}" ${why}; fix its line in PorticoEvents`,
);

/** `createLogger` could not open the file given as `destination`. */
export const LogDestinationUnwritableError = definePorticoError(
  'PORTICO_ERR_LOG_SINK_DESTINATION_UNWRITABLE',
  'LogDestinationUnwritableError',
  (path: string, cause: Error) =>
    `option "destination": cannot open ${JSON.stringify(path)} for appending (${cause.message}); ` +
    'choose a path in a folder Portico may write to',
);
