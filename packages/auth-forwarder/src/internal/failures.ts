import type { AuthFailure } from '../Authenticator.ts';

const bodies = { 401: 'Unauthorized\n', 403: 'Forbidden\n', 502: 'Bad Gateway\n' } as const;

/**
 * A failure outcome. The body is generic on purpose: the reason goes to the log, not to the
 * client, so a prober cannot tell an unknown user from a wrong password.
 */
export function deny(status: 401 | 403 | 502, reason: string, challenges: readonly string[] = []): AuthFailure {
  const headers: [string, string][] = [];
  for (const challenge of challenges) headers.push(['www-authenticate', challenge]);
  headers.push(['content-type', 'text/plain; charset=utf-8']);
  return { ok: false, status, headers, body: bodies[status], reason };
}

/** Marks a header that appeared more than once where one is allowed. */
export const repeated = Symbol('repeated');

/** The value of a header that may appear at most once (credentials must not be ambiguous). */
export function singleHeader(
  headers: ReadonlyArray<readonly [string, string]>,
  name: string,
): string | undefined | typeof repeated {
  let found: string | undefined;
  for (let i = 0; i < headers.length; i++) {
    const line = headers[i]!;
    if (line[0] !== name) continue;
    if (found !== undefined) return repeated;
    found = line[1];
  }
  return found;
}

/** A quoted-string for a challenge parameter; config values were checked to need no escaping. */
export function quoted(value: string): string {
  return `"${value}"`;
}

/** Text that may appear inside a quoted challenge parameter as is (RFC 9110 §5.6.4, RFC 6750 §3). */
export const quotable = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
