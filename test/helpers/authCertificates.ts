import { execFile, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether an `openssl` command is on the PATH; the tests that need one skip without it. */
export const hasOpenssl = (): boolean => spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface AuthCertificates {
  readonly ca: KeyPair;
  /** The HTTPS listener's own certificate. */
  readonly server: KeyPair;
  /** CN=alice, signed by `ca`. */
  readonly client: KeyPair;
  /** CN=alice as well, but self-signed: the impostor. */
  readonly impostor: KeyPair;
  /** CN=alice and CN=admin in one subject, signed by `ca`: which one is the user is ambiguous. */
  readonly twoNames: KeyPair;
}

const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function pair(dir: string, name: string): Promise<KeyPair> {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
}

/** A test CA, a server certificate, a client certificate the CA signed and a self-signed one with the same CN. */
export async function authCertificates(dir: string): Promise<AuthCertificates> {
  const at = (file: string) => join(dir, file);
  const selfSigned = (name: string, subject: string, extra: string[] = []) =>
    run('openssl', ['req', '-x509', ...ec, '-keyout', at(`${name}.key`), '-out', at(`${name}.pem`), '-subj', subject, '-days', '2', ...extra]);
  await Promise.all([
    selfSigned('ca', '/CN=Portico Test CA', ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']),
    selfSigned('server', '/CN=127.0.0.1'),
    selfSigned('impostor', '/CN=alice'),
    run('openssl', ['req', '-new', ...ec, '-keyout', at('client.key'), '-out', at('client.csr'), '-subj', '/CN=alice']),
    run('openssl', ['req', '-new', ...ec, '-keyout', at('twoNames.key'), '-out', at('twoNames.csr'), '-subj', '/CN=alice/CN=admin']),
  ]);
  const signed = (name: string, serial: string) =>
    run('openssl', ['x509', '-req', '-in', at(`${name}.csr`), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-set_serial', serial, '-days', '2', '-out', at(`${name}.pem`)]);
  await Promise.all([signed('client', '2'), signed('twoNames', '3')]);
  const [ca, server, client, impostor, twoNames] = await Promise.all(['ca', 'server', 'client', 'impostor', 'twoNames'].map((name) => pair(dir, name)));
  return { ca: ca!, server: server!, client: client!, impostor: impostor!, twoNames: twoNames! };
}
