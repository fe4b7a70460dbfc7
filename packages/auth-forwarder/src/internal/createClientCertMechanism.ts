import { X509Certificate } from 'node:crypto';
import type { AuthOutcome, AuthRequest } from '../Authenticator.ts';
import { fail, type ConfigReader } from './ConfigReader.ts';
import { deny } from './failures.ts';
import type { Mechanism } from './Mechanism.ts';

const fieldPattern = /^[A-Za-z][A-Za-z0-9.]*$/;
const errorCode = /^[A-Z0-9_]{1,64}$/;

/**
 * The TLS client certificate, already verified by the listener against its CA bundle. Every
 * failure is 403, not 401: a 401 must carry a `WWW-Authenticate` challenge (RFC 9110 §15.5.2),
 * and no HTTP challenge makes a client present another certificate on the same connection.
 */
export function createClientCertMechanism(reader: ConfigReader): Mechanism {
  const field = reader.string('subjectField', 'CN');
  if (!fieldPattern.test(field)) fail('subjectField', 'must be an attribute name such as CN, emailAddress or UID');
  const prefix = `${field}=`;

  function authenticate(request: AuthRequest): AuthOutcome {
    const tls = request.tls;
    if (tls === undefined) return deny(403, 'client-cert: not a TLS connection');
    const der = tls.peerCertificateDer;
    if (der === undefined || der.length === 0) return deny(403, 'client-cert: no client certificate');
    if (!tls.authorized) {
      const why = tls.authorizationError !== undefined && errorCode.test(tls.authorizationError) ? tls.authorizationError : 'not verified';
      return deny(403, `client-cert: certificate refused (${why})`);
    }
    let subject = tls.subject;
    if (subject === undefined) {
      try {
        subject = new X509Certificate(der).subject;
      } catch {
        return deny(403, 'client-cert: certificate cannot be parsed');
      }
    }
    // Node prints one RDN per line and joins multi-valued RDNs with " + "; values are escaped
    // (RFC 2253 and \XX for control bytes), so a value cannot fake another attribute.
    let user: string | undefined;
    let count = 0;
    for (const line of subject.split('\n')) {
      for (const part of line.split(' + ')) {
        if (!part.startsWith(prefix)) continue;
        user = part.slice(prefix.length);
        count++;
      }
    }
    if (user === undefined || user === '') return deny(403, `client-cert: subject has no ${field}`);
    if (count > 1) return deny(403, `client-cert: subject has ${count} ${field} values`);
    return { ok: true, identity: { user, scheme: 'client-cert', clientCertificateDer: der } };
  }

  return { authenticate, reservedHeaders: [], close: async () => {} };
}
