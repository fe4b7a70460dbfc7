/** Keys every authenticator accepts. */
export interface SharedAuthOptions {
  /** Let the client's Authorization header reach the backend. Default `false`. */
  readonly forwardAuthToken?: boolean;
  /** Cap on the `x-portico-claims` value in bytes. Default 4096. */
  readonly maxClaimsBytes?: number;
  /** The app's compatibility mode; `'aspnetcore'` adds `ms-aspnetcore-clientcert`. */
  readonly compat?: 'aspnetcore';
}

/** HTTP Basic against an htpasswd file of bcrypt or SHA-crypt entries. */
export interface BasicAuthConfig extends SharedAuthOptions {
  readonly type: 'basic';
  readonly htpasswdFile: string;
  /** Default `"portico"`. */
  readonly realm?: string;
}

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

/** Bearer JWTs; exactly one of `publicKeyFile`, `jwksFile`, `secret`, `secretEnv`. */
export interface JwtAuthConfig extends SharedAuthOptions {
  readonly type: 'jwt';
  /** Default: what the key supports (`HS256` for a secret, the key's own algorithm for a PEM). */
  readonly algorithms?: readonly JwtAlgorithm[];
  /** A PEM public key (SPKI) or certificate. */
  readonly publicKeyFile?: string;
  /** A local JSON Web Key Set (`{"keys": [...]}`), public keys only. */
  readonly jwksFile?: string;
  /** The HS256 secret itself, at least 32 bytes. */
  readonly secret?: string;
  /** The name of an environment variable holding the HS256 secret. */
  readonly secretEnv?: string;
  readonly issuer?: string | readonly string[];
  readonly audience?: string | readonly string[];
  /** Seconds of clock skew allowed on `exp` and `nbf`. Default 30. */
  readonly clockTolerance?: number;
  /** Refuse tokens without `exp`. Default `true`. */
  readonly requireExpiration?: boolean;
  /** The claim that names the user. Default `"sub"`. */
  readonly userClaim?: string;
  /** Claims passed to the backend in `x-portico-claims`. Default none. */
  readonly claims?: readonly string[];
  /** Default `"portico"`. */
  readonly realm?: string;
}

/** The client certificate the TLS listener verified. */
export interface ClientCertAuthConfig extends SharedAuthOptions {
  readonly type: 'client-cert';
  /** The subject attribute that names the user. Default `"CN"`. */
  readonly subjectField?: string;
}

/** An auth_request-style subrequest to a local service. */
export interface ForwardAuthConfig extends SharedAuthOptions {
  readonly type: 'forward';
  /** `http:` only on a loopback host; `https:` anywhere. */
  readonly url: string;
  /** Seconds for the whole subrequest. Default 5. */
  readonly timeout?: number;
  /** Response headers of the service passed to the backend. Default none. */
  readonly copyHeaders?: readonly string[];
  /** The response header that names the user. Default `"x-auth-user"`. */
  readonly userHeader?: string;
  /** Seconds an allow decision is reused. Default 0 (no cache). */
  readonly cacheTtl?: number;
  /** Most decisions cached. Default 1000. */
  readonly cacheSize?: number;
  /** `"request"` keys the cache on credentials, method and URI; `"credentials"` on credentials only. */
  readonly cacheScope?: 'request' | 'credentials';
}

/** An app's `auth` section. */
export type AuthConfig = BasicAuthConfig | JwtAuthConfig | ClientCertAuthConfig | ForwardAuthConfig;
