import { createAuthenticator, type Authenticator } from '@portico/auth-forwarder';
import { logEvent, type EventLogger } from '@portico/log-sink';
import type { AppConfig } from '../config/AppSchema.ts';
import { toAuthConfig } from '../config/toAuthConfig.ts';

/** The app's authenticator, when it has `auth`; its events are logged with the app's name. */
export function appAuthenticator(
  config: AppConfig,
  wiring: { readonly logger: EventLogger; readonly baseEnvironment?: Readonly<Record<string, string | undefined>>; readonly subrequestMark?: string },
): Authenticator | undefined {
  const auth = toAuthConfig(config);
  if (!auth) return undefined;
  return createAuthenticator(auth, {
    // `secretEnv` is read from the environment the config was loaded with, as `check` reads it.
    ...(wiring.baseEnvironment ? { env: wiring.baseEnvironment } : {}),
    ...(wiring.subrequestMark === undefined ? {} : { subrequestMark: wiring.subrequestMark }),
    onEvent: ({ name, fields }) => {
      try {
        logEvent(wiring.logger, name as never, { app: config.name, ...fields });
      } catch {
        // An event the catalogue does not know must not fail a request.
      }
    },
  });
}
