import type { PorticoLogger } from './PorticoLogger.ts';
import type { CompatMode, Environment } from './readPorticoEnvironment.ts';

/** Options of `withPortico` and `porticoMiddleware`. */
export interface RequestCheckOptions {
  /** The environment that holds the token; `process.env` by default. Read once, at creation. */
  readonly env?: Environment;
  /**
   * `"aspnetcore"`: also accept `ASPNETCORE_TOKEN` / `ASPNETCORE_APPL_PATH` and the
   * `MS-ASPNETCORE-TOKEN` header, and stop on `POST {APPL_PATH}/iisintegration` with
   * `MS-ASPNETCORE-EVENT: shutdown`.
   */
  readonly compat?: CompatMode;
  /**
   * Fail closed: throw `TokenRequiredError` at creation when the environment has no token,
   * instead of letting every request through unchecked (the development default).
   */
  readonly requireToken?: boolean;
  /** Receives one line per rejected request; `console.error` by default. */
  readonly logger?: PorticoLogger;
}
