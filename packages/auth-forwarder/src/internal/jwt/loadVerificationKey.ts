import { createPublicKey, createSecretKey, X509Certificate, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { readRegularFileSync } from '@portico/files';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { JwtAlgorithm } from '../../AuthConfig.ts';
import { AuthFileUnreadableError, AuthKeyInvalidError } from '../../errors.ts';
import { fail, type ConfigReader } from '../ConfigReader.ts';

export interface VerificationKey {
  readonly key: KeyObject | JWTVerifyGetKey;
  readonly algorithms: JwtAlgorithm[];
}

const allAlgorithms: readonly JwtAlgorithm[] = ['HS256', 'RS256', 'ES256', 'EdDSA'];
const asymmetric: readonly JwtAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];
// RFC 7518 §3.2: an HMAC key at least as long as the hash output.
const minSecretBytes = 32;
/** Far above any PEM key or JWKS (a JWKS of a hundred RSA keys is under 100 KiB). */
const maxKeyFileBytes = 1024 * 1024;

/**
 * The one key source of a `jwt` section and the algorithms it may verify. Each key kind admits
 * only its own algorithms, so a public key can never be fed to HMAC as a secret (the
 * RS256→HS256 confusion of CVE-2015-9235 and CVE-2016-10555).
 */
export function loadVerificationKey(reader: ConfigReader, env: Readonly<Record<string, string | undefined>>): VerificationKey {
  const sources = ['publicKeyFile', 'jwksFile', 'secret', 'secretEnv'].filter((key) => reader.has(key));
  if (sources.length !== 1) {
    fail(sources[1] ?? 'publicKeyFile', `needs exactly one of publicKeyFile, jwksFile, secret, secretEnv; got ${sources.length === 0 ? 'none' : sources.join(' and ')}`);
  }
  const source = sources[0]!;
  const configured = reader.strings('algorithms');
  for (const algorithm of configured ?? []) {
    if (!allAlgorithms.includes(algorithm as JwtAlgorithm)) fail('algorithms', `lists "${algorithm}"; allowed: ${allAlgorithms.join(', ')}`);
  }
  if (configured?.length === 0) fail('algorithms', 'must not be empty');

  const restrict = (possible: readonly JwtAlgorithm[], what: string): JwtAlgorithm[] => {
    const wanted = (configured ?? possible) as JwtAlgorithm[];
    const refused = wanted.filter((algorithm) => !possible.includes(algorithm));
    if (refused.length > 0) fail('algorithms', `lists ${refused.join(', ')}, which ${what} cannot verify (only ${possible.join(', ')})`);
    return [...wanted];
  };

  if (source === 'secret' || source === 'secretEnv') {
    let secret: string | undefined;
    if (source === 'secret') secret = reader.string('secret');
    else {
      const name = reader.string('secretEnv');
      secret = env[name];
      if (secret === undefined || secret === '') fail('secretEnv', `names ${name}, which is not set in the environment`);
    }
    const bytes = Buffer.from(secret, 'utf8');
    if (bytes.length < minSecretBytes) fail(source, `must hold at least ${minSecretBytes} bytes for HS256`);
    return { key: createSecretKey(bytes), algorithms: restrict(['HS256'], 'a shared secret') };
  }

  const path = resolve(reader.string(source));
  // Only a regular file: a FIFO would block the event loop of the process building the
  // authenticator (the control's, a front's) for good, and /dev/zero fill its memory.
  const read = readRegularFileSync(path, maxKeyFileBytes);
  if ('problem' in read) throw new AuthFileUnreadableError(source, path, new Error(read.problem));
  const text = read.bytes.toString('utf8');

  if (source === 'jwksFile') {
    let jwks: JSONWebKeySet;
    try {
      jwks = JSON.parse(text) as JSONWebKeySet;
    } catch (error) {
      throw new AuthKeyInvalidError('jwksFile', `${path} is not JSON (${(error as Error).message})`);
    }
    if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) throw new AuthKeyInvalidError('jwksFile', `${path} has no "keys" list`);
    for (const jwk of jwks.keys) {
      if (jwk.kty === 'oct') throw new AuthKeyInvalidError('jwksFile', `${path} holds a symmetric ("oct") key; use "secretEnv" for HS256`);
      if ('d' in jwk) throw new AuthKeyInvalidError('jwksFile', `${path} holds a private key; publish only public keys`);
    }
    return { key: createLocalJWKSet(jwks), algorithms: restrict(asymmetric, 'a public JWKS') };
  }

  if (text.includes('PRIVATE KEY')) throw new AuthKeyInvalidError('publicKeyFile', `${path} holds a private key; give the public key or certificate`);
  let key: KeyObject;
  try {
    key = text.includes('BEGIN CERTIFICATE') ? new X509Certificate(text).publicKey : createPublicKey(text);
  } catch (error) {
    throw new AuthKeyInvalidError('publicKeyFile', `${path} is not a PEM public key or certificate (${(error as Error).message})`);
  }
  return { key, algorithms: restrict([algorithmOf(key, path)], 'this key') };
}

function algorithmOf(key: KeyObject, path: string): JwtAlgorithm {
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      if ((details?.modulusLength ?? 0) < 2048) throw new AuthKeyInvalidError('publicKeyFile', `${path}: RSA keys need at least 2048 bits`);
      return 'RS256';
    case 'ec':
      if (details?.namedCurve !== 'prime256v1') throw new AuthKeyInvalidError('publicKeyFile', `${path}: only P-256 EC keys are supported (ES256)`);
      return 'ES256';
    case 'ed25519':
      return 'EdDSA';
    default:
      throw new AuthKeyInvalidError('publicKeyFile', `${path}: ${key.asymmetricKeyType ?? 'unknown'} keys are not supported; use RSA, P-256 or Ed25519`);
  }
}
