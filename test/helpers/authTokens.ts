import { createHmac, sign, type KeyObject } from 'node:crypto';

export type SigningKey =
  | { readonly alg: 'HS256'; readonly secret: string | Buffer }
  | { readonly alg: 'RS256' | 'ES256' | 'EdDSA'; readonly privateKey: KeyObject }
  | { readonly alg: 'none' };

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A compact JWS made with node:crypto alone, so a test can also make the tokens no honest library
 * would: `alg: none`, or HMAC keyed with an RSA public key.
 */
export function authToken(payload: Record<string, unknown>, key: SigningKey, header: Record<string, unknown> = {}): string {
  const input = `${segment({ alg: key.alg, typ: 'JWT', ...header })}.${segment(payload)}`;
  let signature: Buffer;
  if (key.alg === 'none') signature = Buffer.alloc(0);
  else if (key.alg === 'HS256') signature = createHmac('sha256', key.secret).update(input).digest();
  else if (key.alg === 'EdDSA') signature = sign(null, Buffer.from(input), key.privateKey);
  // JWS wants ECDSA signatures as r‖s (RFC 7518 §3.4), not the DER node:crypto gives by default.
  else signature = sign('sha256', Buffer.from(input), key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** Seconds since the epoch, the unit of `exp`, `nbf` and `iat`. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);
