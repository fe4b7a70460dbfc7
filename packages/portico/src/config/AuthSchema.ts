import { Type, type TSchema } from '@sinclair/typebox';
import type { Resolved } from './Resolved.ts';

// Defaults of these keys are the authenticator's own (docs/auth.md); the schema only states them
// (`x-portico-default`) so the two cannot drift apart through a second copy of the values.
const stated = <T extends TSchema>(schema: T, value: unknown): T => ({ ...schema, 'x-portico-default': `\`${JSON.stringify(value)}\`` });
const statedText = <T extends TSchema>(schema: T, text: string): T => ({ ...schema, 'x-portico-default': text });

const file = (description: string) => Type.String({ minLength: 1, description, 'x-portico-path': 'file' });
const realm = stated(
  Type.String({ pattern: '^[ !#-\\[\\]-~]+$', 'x-portico-allowed': 'printable ASCII without `"` or `\\`', description: 'Realm of the challenge: printable ASCII without `"` or `\\`.' }),
  'portico',
);
// RFC 9110 §5.6.2: a header name is a token. The authenticator refuses anything else; the schema
// says so first, so that `portico check` refuses what `portico start` would.
const headerName = (description: string) =>
  Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", 'x-portico-allowed': 'a header name (letters, digits and !#$%&\'*+.^_`|~-)', description });
const stringOrList = (description: string) => Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], { description });

const shared = {
  maxClaimsBytes: Type.Optional(
    stated(Type.Integer({ minimum: 2, maximum: 65536, description: 'Largest `x-portico-claims` value in bytes; larger claims are left out.' }), 4096),
  ),
};

// `forwardAuthToken` and `compat` belong to the app; they are copied into the authenticator's
// config by `toAuthConfig`, so a key found here is pointed there rather than merely called unknown.
const movedToApp = { 'x-portico-moved': { forwardAuthToken: 'forwardAuthToken', compat: 'compat' } };

export const BasicAuthSchema = Type.Object(
  {
    type: Type.Literal('basic'),
    htpasswdFile: file('htpasswd file of bcrypt (`htpasswd -B`) or SHA-crypt (`openssl passwd -6`) entries.'),
    realm: Type.Optional(realm),
    ...shared,
  },
  { additionalProperties: false, description: 'HTTP Basic against an htpasswd file.', ...movedToApp },
);

export const JwtAuthSchema = Type.Object(
  {
    type: Type.Literal('jwt'),
    algorithms: Type.Optional(
      statedText(
        Type.Array(Type.Union([Type.Literal('HS256'), Type.Literal('RS256'), Type.Literal('ES256'), Type.Literal('EdDSA')]), {
          minItems: 1,
          description: 'Accepted signature algorithms; they must fit the key.',
        }),
        'what the key allows',
      ),
    ),
    publicKeyFile: Type.Optional(file('PEM public key (SPKI) or certificate. One key source: this, `jwksFile`, `secret` or `secretEnv`.')),
    jwksFile: Type.Optional(file('Local JSON Web Key Set of public keys.')),
    secret: Type.Optional(Type.String({ minLength: 32, description: 'HS256 secret itself, at least 32 bytes. Prefer `secretEnv`.' })),
    secretEnv: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Name of the environment variable holding the HS256 secret.' })),
    issuer: Type.Optional(stringOrList('Accepted `iss` values.')),
    audience: Type.Optional(stringOrList('Accepted `aud` values.')),
    clockTolerance: Type.Optional(stated(Type.Number({ minimum: 0, maximum: 3600, description: 'Seconds of clock skew allowed on `exp` and `nbf`.' }), 30)),
    requireExpiration: Type.Optional(stated(Type.Boolean({ description: 'Refuse tokens without `exp`.' }), true)),
    userClaim: Type.Optional(stated(Type.String({ minLength: 1, description: 'Claim naming the user.' }), 'sub')),
    claims: Type.Optional(stated(Type.Array(Type.String({ minLength: 1 }), { description: 'Claims passed to the backend in `x-portico-claims`.' }), [])),
    realm: Type.Optional(realm),
    ...shared,
  },
  { additionalProperties: false, description: 'Bearer JSON Web Tokens.', ...movedToApp },
);

export const ClientCertAuthSchema = Type.Object(
  {
    type: Type.Literal('client-cert'),
    subjectField: Type.Optional(
      stated(
        Type.String({ pattern: '^[A-Za-z][A-Za-z0-9.]*$', 'x-portico-allowed': 'an attribute name such as CN, emailAddress or UID', description: 'Subject attribute naming the user (`CN`, `emailAddress`, `UID`…).' }),
        'CN',
      ),
    ),
    ...shared,
  },
  { additionalProperties: false, description: 'The TLS client certificate; needs a listener with `tls.requestCert`.', ...movedToApp },
);

export const ForwardAuthSchema = Type.Object(
  {
    type: Type.Literal('forward'),
    url: Type.String({ pattern: '^https?://', description: 'The auth service; `http:` only on a loopback host.' }),
    timeout: Type.Optional(stated(Type.Number({ exclusiveMinimum: 0, maximum: 300, description: 'Seconds to wait for the service\'s answer; then 502.' }), 5)),
    copyHeaders: Type.Optional(stated(Type.Array(headerName('A response header of the service passed to the backend.'), { description: 'Response headers of the service passed to the backend.' }), [])),
    userHeader: Type.Optional(stated(headerName('Response header naming the user.'), 'x-auth-user')),
    cacheTtl: Type.Optional(stated(Type.Number({ minimum: 0, maximum: 3600, description: 'Seconds an allow decision is reused; `0` turns the cache off.' }), 0)),
    cacheSize: Type.Optional(stated(Type.Integer({ minimum: 1, maximum: 1000000, description: 'Most cached decisions.' }), 1000)),
    cacheScope: Type.Optional(
      stated(Type.Union([Type.Literal('request'), Type.Literal('credentials')], { description: 'What a cached decision is keyed on.' }), 'request'),
    ),
    ...shared,
  },
  { additionalProperties: false, description: 'A subrequest to a local auth service (nginx `auth_request`).', ...movedToApp },
);

/** An app's `auth` section, told apart by `type`. */
export const AuthSchema = Type.Union([BasicAuthSchema, JwtAuthSchema, ClientCertAuthSchema, ForwardAuthSchema], {
  description: 'Authenticate every request before it reaches the backend (docs/auth.md).',
});

/** The `auth` section as loaded: the authenticator's config without the keys the app sets. */
export type AuthSectionConfig = Resolved<typeof AuthSchema>;
