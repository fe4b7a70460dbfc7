import type { AuthConfig } from '@portico/auth-forwarder';
import type { AppConfig } from './AppSchema.ts';

/**
 * The authenticator's config for one loaded app, or undefined when the app has no `auth`. The
 * app-level `forwardAuthToken` and `compat` are copied in: the config keeps them on the app
 * (where ANCM has `forwardWindowsAuthToken`), the authenticator reads them from its own section.
 * The return type is `@portico/auth-forwarder`'s, so a change there fails to compile here.
 */
export function toAuthConfig(app: AppConfig): AuthConfig | undefined {
  if (app.auth === undefined) return undefined;
  return { ...app.auth, forwardAuthToken: app.forwardAuthToken, ...(app.compat === undefined ? {} : { compat: app.compat }) };
}
