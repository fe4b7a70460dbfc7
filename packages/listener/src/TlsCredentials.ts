import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { readRegularFile, readRegularFileSync, type RegularFileRead } from '@portico/files';
import { TlsCredentialsInvalidError, TlsFileUnreadableError } from './errors.ts';
import type { TlsSettings } from './ListenEntry.ts';

/** The PEM contents of a listen entry's TLS files, checked to make a usable TLS context. */
export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
}

type Reader = (path: string) => RegularFileRead | Promise<RegularFileRead>;

/** Far above any certificate chain, key or CA bundle (Mozilla's bundle is 200 KiB). */
const maxTlsFileBytes = 16 * 1024 * 1024;

/**
 * Reads a listen entry's certificate, key and CA bundle and checks that TLS can use them (PEM
 * that parses, a key that fits the certificate). What `createListener` does before it binds, and
 * what `portico check` runs too, so a file that `start` would refuse is refused by `check` with
 * the same words (`TlsFileUnreadableError`, `TlsCredentialsInvalidError`).
 *
 * @example
 * const credentials = await loadTlsCredentials({ cert: 'cert.pem', key: 'key.pem' });
 */
export async function loadTlsCredentials(settings: TlsSettings): Promise<TlsCredentials> {
  // Only a regular file: a FIFO would hold a thread of libuv's pool for good, /dev/zero fill the memory.
  return checked(settings, await readAll(settings, (path) => readRegularFile(path, maxTlsFileBytes)));
}

/** `loadTlsCredentials`, synchronously: for config checks that run before anything is started. */
export function loadTlsCredentialsSync(settings: TlsSettings): TlsCredentials {
  const read = (path: string) => readRegularFileSync(path, maxTlsFileBytes);
  const cert = readOne('certificate', settings.cert, read) as Buffer;
  const key = readOne('key', settings.key, read) as Buffer;
  const ca = settings.ca === undefined ? undefined : (readOne('CA bundle', settings.ca, read) as Buffer);
  return checked(settings, { cert, key, ...(ca ? { ca } : {}) });
}

async function readAll(settings: TlsSettings, read: Reader): Promise<TlsCredentials> {
  const cert = await readOne('certificate', settings.cert, read);
  const key = await readOne('key', settings.key, read);
  const ca = settings.ca === undefined ? undefined : await readOne('CA bundle', settings.ca, read);
  return { cert, key, ...(ca ? { ca } : {}) };
}

function readOne(what: string, path: string, read: Reader): Buffer | Promise<Buffer> {
  const bytes = (result: RegularFileRead): Buffer => {
    if ('problem' in result) throw new TlsFileUnreadableError(what, path, result.problem);
    return result.bytes;
  };
  const result = read(path);
  return result instanceof Promise ? result.then(bytes) : bytes(result);
}

function checked(settings: TlsSettings, credentials: TlsCredentials): TlsCredentials {
  try {
    // OpenSSL skips what it cannot parse in a CA bundle: a bundle of nothing would make every
    // client certificate fail verification, silently.
    if (credentials.ca) caCertificates(credentials.ca);
    // OpenSSL parses the PEM and matches the key to the certificate here, as tls.createServer would.
    tls.createSecureContext({ cert: credentials.cert, key: credentials.key, ...(credentials.ca ? { ca: credentials.ca } : {}) });
  } catch (error) {
    throw new TlsCredentialsInvalidError(settings.cert, settings.key, settings.ca, (error as Error).message);
  }
  return credentials;
}

function caCertificates(bundle: Buffer): void {
  const blocks = bundle.toString('latin1').match(/-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('the CA bundle holds no PEM certificate');
  for (const block of blocks) new X509Certificate(block);
}
