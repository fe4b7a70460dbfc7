import { checkAdminSocketPath, loadTlsCredentialsSync } from '@portico/listener';
import type { ProcessHost } from '@portico/worker-actor';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import type { RawProblem } from '../internal/config/walkSchema.ts';
import { adminSocketGroup, configuredAdminToken } from './adminAccess.ts';
import { AppRuntime } from './AppRuntime.ts';

// Never asked to start anything: only what building an app checks runs.
const inertHost: ProcessHost = {
  spawn() {
    throw new Error('a config check starts no process');
  },
} as unknown as ProcessHost;

const silent = { fatal() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/**
 * Builds what `createPortico` and `start` build from a config (each app's worker pool and
 * authenticator, each listener's TLS context) without starting anything, and returns what they
 * refuse, in their own words. `loadConfig` runs it, so `portico check`, `portico start` and a
 * reload refuse the same values with the same message, and no config value reaches "internal
 * error" (issue 15). The schema says most of these rules first; this is where a rule that only
 * the component knows (a header Portico sets itself, a key that does not fit its certificate)
 * is still found before anything runs.
 */
export function findBuildRefusals(config: PorticoConfig, env: Readonly<Record<string, string | undefined>>): RawProblem[] {
  const out: RawProblem[] = [];
  config.listen.forEach((entry, i) => {
    if (!entry.tls) return;
    try {
      loadTlsCredentialsSync(entry.tls);
    } catch (error) {
      out.push(refusal(['listen', i, 'tls'], entry.tls, error));
    }
  });
  if (config.admin) {
    try {
      configuredAdminToken(config.admin, env);
      const group = adminSocketGroup(config.admin);
      checkAdminSocketPath({ path: config.admin.socket, ...(group === undefined ? {} : { group }) });
    } catch (error) {
      // The value is left out: it may name the token's file, never the token, but say less.
      out.push({ kind: 'refused', path: ['admin'], message: `is refused: ${(error as Error).message}` });
    }
  }
  config.apps.forEach((app, i) => {
    let runtime: AppRuntime | undefined;
    try {
      runtime = new AppRuntime(app, { host: inertHost, logger: silent, baseEnvironment: env });
    } catch (error) {
      const inAuth = /^PORTICO_ERR_AUTH_FORWARDER_/.test(String((error as { code?: unknown }).code));
      out.push(refusal(inAuth ? ['apps', i, 'auth'] : ['apps', i], inAuth ? app.auth : app.name, error));
    }
    // Nothing was started; closing releases what an authenticator holds (a cache, a key watcher).
    void runtime?.close().catch(() => {});
  });
  return out;
}

function refusal(path: RawProblem['path'], value: unknown, error: unknown): RawProblem {
  return { kind: 'refused', path, value, message: `is refused: ${(error as Error).message ?? String(error)}` };
}
