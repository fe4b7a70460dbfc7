import type { PorticoConfig } from '../../config/PorticoConfigSchema.ts';
import { loadConfig } from '../../config/loadConfig.ts';
import { ConfigInvalidError } from '../../errors.ts';
import type { CliIo } from '../CliIo.ts';

/**
 * The config in `file`, or undefined once every problem with it is written to stderr, as the
 * commands that read a config file say them (the caller exits with `ExitCode.configInvalid`).
 */
export async function loadConfigOrSay(file: string, io: CliIo): Promise<PorticoConfig | undefined> {
  try {
    return await loadConfig(file, { env: io.env });
  } catch (error) {
    if (!(error instanceof ConfigInvalidError)) throw error;
    io.stderr(`${error.message}\n`);
    return undefined;
  }
}
