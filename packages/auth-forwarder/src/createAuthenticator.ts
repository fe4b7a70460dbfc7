import type { AuthConfig } from './AuthConfig.ts';
import type { AuthDeps, AuthEvent, AuthOutcome, AuthRequest, Authenticator, AuthScheme, Identity } from './Authenticator.ts';
import { createSubrequestMark } from './createSubrequestMark.ts';
import { AuthenticatorClosedError } from './errors.ts';
import type { IdentityHeaderOptions } from './identityHeaders.ts';
import { createBasicMechanism } from './internal/basic/createBasicMechanism.ts';
import { createClientCertMechanism } from './internal/createClientCertMechanism.ts';
import { ConfigReader, fail } from './internal/ConfigReader.ts';
import { deny } from './internal/failures.ts';
import { createForwardMechanism } from './internal/forward/createForwardMechanism.ts';
import { createJwtMechanism } from './internal/jwt/createJwtMechanism.ts';
import type { Mechanism, MechanismContext } from './internal/Mechanism.ts';
import { defaultMaxClaimsBytes, renderIdentityHeaders } from './internal/renderIdentityHeaders.ts';
import type { StripInboundOptions } from './stripInboundHeaders.ts';

type Factory = (reader: ConfigReader, context: MechanismContext) => Mechanism;

const sharedKeys = ['type', 'forwardAuthToken', 'maxClaimsBytes', 'compat'];
const mechanisms: Record<AuthScheme, { keys: readonly string[]; create: Factory }> = {
  basic: { keys: ['htpasswdFile', 'realm'], create: createBasicMechanism },
  jwt: {
    keys: ['algorithms', 'publicKeyFile', 'jwksFile', 'secret', 'secretEnv', 'issuer', 'audience', 'clockTolerance',
      'requireExpiration', 'userClaim', 'claims', 'realm'],
    create: createJwtMechanism,
  },
  'client-cert': { keys: ['subjectField'], create: createClientCertMechanism },
  forward: {
    keys: ['url', 'timeout', 'copyHeaders', 'userHeader', 'cacheTtl', 'cacheSize', 'cacheScope'],
    create: createForwardMechanism,
  },
};

const ignore = (): void => {};

/**
 * Builds the authenticator for one app's `auth` section. The config is checked here, files are
 * read here (an htpasswd or key error names the key, file and line), and nothing is left to fail
 * on the first request.
 *
 * @example
 * const auth = createAuthenticator({ type: 'basic', htpasswdFile: '/etc/portico/users', realm: 'shop' },
 *   { onEvent: (e) => logger.info(e.fields, e.name) });
 * const outcome = await auth.authenticate({ method: 'GET', target: '/', headers, remoteAddress });
 * if (outcome.ok) forwarded.push(...identityHeaders(outcome.identity, auth.headerOptions));
 */
export function createAuthenticator(config: AuthConfig, deps: AuthDeps = {}): Authenticator {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) fail('type', 'must be in an object, the app\'s "auth" section');
  const type = (config as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(mechanisms, type)) {
    fail('type', `must be one of "basic", "jwt", "client-cert", "forward", got ${JSON.stringify(type)}`);
  }
  const scheme = type as AuthScheme;
  const spec = mechanisms[scheme];
  const reader = new ConfigReader(config as unknown as Record<string, unknown>, [...sharedKeys, ...spec.keys]);
  const forwardAuthToken = reader.boolean('forwardAuthToken', false);
  const maxClaimsBytes = reader.number('maxClaimsBytes', defaultMaxClaimsBytes, 2, 64 * 1024, true);
  const compat = reader.oneOf('compat', ['aspnetcore'], undefined);

  const onEvent = deps.onEvent;
  const report = onEvent === undefined
    ? ignore
    : (name: string, fields: AuthEvent['fields']): void => {
        try {
          onEvent({ name, fields });
        } catch {
          // A logging failure must not turn into an authentication failure.
        }
      };
  const mechanism = spec.create(reader, {
    clock: deps.clock ?? Date.now,
    report,
    env: deps.env ?? process.env,
    subrequestMark: deps.subrequestMark ?? createSubrequestMark(),
  });

  const headerOptions: IdentityHeaderOptions = Object.freeze(compat === undefined ? { maxClaimsBytes } : { maxClaimsBytes, compat });
  const stripOptions: StripInboundOptions = Object.freeze({
    forwardAuthToken,
    reservedHeaders: Object.freeze([...mechanism.reservedHeaders]),
  });

  let closing: Promise<void> | undefined;

  async function authenticate(request: AuthRequest): Promise<AuthOutcome> {
    if (closing !== undefined) throw new AuthenticatorClosedError();
    let outcome: AuthOutcome;
    let event = 'auth.failed';
    try {
      outcome = await mechanism.authenticate(request);
      if (!outcome.ok && outcome.status === 502) event = 'auth.service_error';
    } catch (error) {
      // A bug here must cost one request, not the proxy (compare CVE-2024-21536).
      outcome = deny(502, `internal error: ${(error as Error).message}`);
      event = 'auth.internal_error';
    }
    if (!outcome.ok) {
      report(event, {
        scheme,
        status: outcome.status,
        reason: outcome.reason,
        remoteAddress: request.remoteAddress,
      });
      return outcome;
    }
    const rendered = renderIdentityHeaders(outcome.identity, headerOptions);
    if (rendered.refused !== undefined) {
      const reason = `identity refused: ${rendered.refused} would carry a control character`;
      report('auth.failed', { scheme, status: 403, reason, remoteAddress: request.remoteAddress });
      return deny(403, reason);
    }
    let identity = outcome.identity;
    if (rendered.droppedClaimsBytes > 0) {
      identity = withoutClaims(identity);
      report('auth.claims_dropped', { scheme, user: identity.user, bytes: rendered.droppedClaimsBytes, maxClaimsBytes });
    }
    report('auth.succeeded', { scheme, user: identity.user, remoteAddress: request.remoteAddress });
    return identity === outcome.identity ? outcome : { ok: true, identity };
  }

  return {
    scheme,
    stripOptions,
    headerOptions,
    authenticate,
    loopsBack(request: AuthRequest): boolean {
      return mechanism.loopsBack?.(request) === true;
    },
    close(): Promise<void> {
      closing ??= mechanism.close();
      return closing;
    },
  };
}

function withoutClaims(identity: Identity): Identity {
  const { claims: _dropped, ...rest } = identity;
  return rest;
}
