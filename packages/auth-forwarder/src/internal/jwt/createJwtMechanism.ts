import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { AuthOutcome, AuthRequest } from '../../Authenticator.ts';
import { fail, type ConfigReader } from '../ConfigReader.ts';
import { deny, quotable, repeated, singleHeader } from '../failures.ts';
import type { Mechanism, MechanismContext } from '../Mechanism.ts';
import { loadVerificationKey } from './loadVerificationKey.ts';

const bearer = /^bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;

/** Bearer JWTs (RFC 6750, RFC 7519) verified with jose against one configured key source. */
export function createJwtMechanism(reader: ConfigReader, context: MechanismContext): Mechanism {
  const { key, algorithms } = loadVerificationKey(reader, context.env);
  const issuer = reader.stringOrStrings('issuer');
  const audience = reader.stringOrStrings('audience');
  const clockTolerance = reader.number('clockTolerance', 30, 0, 3600);
  const requireExpiration = reader.boolean('requireExpiration', true);
  const userClaim = reader.string('userClaim', 'sub');
  const claimNames = reader.strings('claims') ?? [];
  const realm = reader.string('realm', 'portico');
  if (!quotable.test(realm)) fail('realm', 'must be printable ASCII without `"` or `\\`');

  const challenge = `Bearer realm="${realm}"`;
  const missing = [challenge];
  const invalid = (description: string): readonly string[] => [
    `${challenge}, error="invalid_token", error_description="${description}"`,
  ];
  // jose types a key and a key-resolving function as two overloads; pick one here, once.
  const verify = typeof key === 'function'
    ? (token: string, options: JWTVerifyOptions) => jwtVerify(token, key, options)
    : (token: string, options: JWTVerifyOptions) => jwtVerify(token, key, options);
  const base: JWTVerifyOptions = {
    algorithms,
    clockTolerance,
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined ? {} : { audience }),
    ...(requireExpiration ? { requiredClaims: ['exp'] } : {}),
  };

  async function authenticate(request: AuthRequest): Promise<AuthOutcome> {
    const header = singleHeader(request.headers, 'authorization');
    // RFC 6750 §3.1: a request without a token gets the bare challenge, no error code.
    if (header === undefined) return deny(401, 'no credentials', missing);
    if (header === repeated) {
      return deny(401, 'more than one Authorization header', [`${challenge}, error="invalid_request", error_description="Send one Authorization header"`]);
    }
    const match = bearer.exec(header);
    if (match === null) return deny(401, 'not a Bearer token', missing);
    let payload: JWTPayload;
    try {
      ({ payload } = await verify(match[1]!, { ...base, currentDate: new Date(context.clock()) }));
    } catch (error) {
      const description = describe(error);
      return deny(401, `jwt: ${description}`, invalid(description));
    }
    const user = payload[userClaim];
    if (typeof user !== 'string' || user === '') {
      return deny(401, `jwt: no "${userClaim}" claim`, invalid('The token does not name a user'));
    }
    let claims: Record<string, unknown> | undefined;
    for (const name of claimNames) {
      if (payload[name] === undefined) continue;
      claims ??= {};
      claims[name] = payload[name];
    }
    return { ok: true, identity: claims === undefined ? { user, scheme: 'jwt' } : { user, scheme: 'jwt', claims } };
  }

  return { authenticate, reservedHeaders: [], close: async () => {} };
}

/** A fixed, quotable error_description per failure (RFC 6750 §3): never text from the token. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `The token lacks the ${safeClaim(error.claim)} claim`;
    switch (error.claim) {
      case 'nbf':
        return 'The token is not yet valid';
      case 'iat':
        return 'The token was issued in the future';
      case 'iss':
        return 'The token issuer is not accepted';
      case 'aud':
        return 'The token audience is not accepted';
      default:
        return `The token ${safeClaim(error.claim)} claim is not accepted`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'The token algorithm is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return 'No key matches the token';
  return 'The token is malformed';
}

function safeClaim(claim: string): string {
  return /^[A-Za-z0-9_]{1,32}$/.test(claim) ? claim : 'a required';
}
