/**
 * Where this package writes its few log lines. `console` fits, and so does a pino logger. Each
 * line starts with a stable dotted code (`portico.integration.token_rejected: …`) to alert on.
 * No line ever contains the pairing token, expected or presented.
 */
export interface PorticoLogger {
  error(message: string): void;
  info?(message: string): void;
}

export const defaultLogger: PorticoLogger = {
  error: (message) => console.error(message),
  info: (message) => console.error(message),
};
