import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { createAuthenticator, identityHeaders, type AuthOutcome, type Authenticator, type AuthTlsInfo } from '../src/index.ts';
import { expectFailure, expectSuccess, request, useTempDir } from './support.ts';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

/** The TLS facts a listener hands over, read from a real verified connection. */
function tlsInfo(socket: TLSSocket): AuthTlsInfo {
  const peer = socket.getPeerCertificate();
  return {
    authorized: socket.authorized,
    ...(socket.authorizationError === undefined ? {} : { authorizationError: String(socket.authorizationError) }),
    ...(peer.raw === undefined ? {} : { peerCertificateDer: peer.raw }),
  };
}

describe('client-cert authenticator', () => {
  const dir = useTempDir();
  let server: Server;
  let port: number;
  let auth: Authenticator;
  const outcomes: AuthOutcome[] = [];

  before(async function () {
    this.timeout(20_000);
    const cwd = dir.path;
    const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    try {
      openssl(['req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Test CA', '-days', '1'], cwd);
    } catch {
      this.skip();
    }
    openssl(['req', '-x509', ...key, '-keyout', 'server.key', '-out', 'server.pem', '-subj', '/CN=127.0.0.1', '-days', '1'], cwd);
    for (const [name, subject] of [['alice', '/O=Acme/CN=alice'], ['twice', '/CN=a/CN=b']]) {
      openssl(['req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject!], cwd);
      openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1'], cwd);
    }
    openssl(['req', '-x509', ...key, '-keyout', 'mallory.key', '-out', 'mallory.pem', '-subj', '/CN=alice', '-days', '1'], cwd);

    auth = createAuthenticator({ type: 'client-cert' });
    server = createServer({
      key: await readFile(join(cwd, 'server.key')),
      cert: await readFile(join(cwd, 'server.pem')),
      ca: await readFile(join(cwd, 'ca.pem')),
      requestCert: true,
      rejectUnauthorized: false,
    }, (socket) => {
      void auth.authenticate(request([], { tls: tlsInfo(socket) })).then((outcome) => {
        outcomes.push(outcome);
        socket.end('done');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });

  after(async () => {
    await auth?.close();
    if (server?.listening) {
      server.close();
      await once(server, 'close');
    }
  });

  async function connectAs(name: string | undefined): Promise<AuthOutcome> {
    const options = name === undefined ? {} : {
      key: await readFile(join(dir.path, `${name}.key`)),
      cert: await readFile(join(dir.path, `${name}.pem`)),
    };
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
    socket.resume();
    await once(socket, 'end');
    socket.destroy();
    return outcomes.at(-1)!;
  }

  it('names the user by the CN of a certificate the CA signed and forwards its DER', async () => {
    const outcome = expectSuccess(await connectAs('alice'));
    const der = new X509Certificate(await readFile(join(dir.path, 'alice.pem'))).raw;
    assert.equal(outcome.identity.user, 'alice');
    assert.equal(outcome.identity.scheme, 'client-cert');
    assert.deepEqual(outcome.identity.clientCertificateDer, der);
    assert.deepEqual(identityHeaders(outcome.identity).at(-1), ['x-portico-client-cert', der.toString('base64')]);
  });

  it('refuses with 403 a self-signed certificate claiming the same CN', async () => {
    const failure = expectFailure(await connectAs('mallory'));
    assert.equal(failure.status, 403);
    assert.match(failure.reason, /certificate refused \((DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/);
  });

  it('refuses with 403 a connection without a certificate', async () => {
    const failure = expectFailure(await connectAs(undefined));
    assert.equal(failure.status, 403);
    assert.equal(failure.reason, 'client-cert: no client certificate');
  });

  it('refuses with 403 a subject with two CN values', async () => {
    assert.match(expectFailure(await connectAs('twice')).reason, /subject has 2 CN values/);
  });

  it('refuses with 403 a request that did not come over TLS', async () => {
    assert.equal(expectFailure(await auth.authenticate(request())).status, 403);
  });

  it('takes the user from the configured subject field', async () => {
    const der = new X509Certificate(await readFile(join(dir.path, 'alice.pem'))).raw;
    const byOrganisation = createAuthenticator({ type: 'client-cert', subjectField: 'O' });
    const outcome = expectSuccess(await byOrganisation.authenticate(request([], { tls: { authorized: true, peerCertificateDer: der } })));
    assert.equal(outcome.identity.user, 'Acme');
  });

  it('uses the subject the listener already parsed', async () => {
    const outcome = expectSuccess(await auth.authenticate(request([], {
      tls: { authorized: true, peerCertificateDer: Buffer.from([1]), subject: 'O=Acme\nCN=bob' },
    })));
    assert.equal(outcome.identity.user, 'bob');
  });

  it('refuses with 403 a subject value carrying a control character', async () => {
    const failure = expectFailure(await auth.authenticate(request([], {
      tls: { authorized: true, peerCertificateDer: Buffer.from([1]), subject: 'CN=bob\rx' },
    })));
    assert.equal(failure.status, 403);
  });

  it('refuses a subjectField that is not an attribute name', () => {
    assert.throws(() => createAuthenticator({ type: 'client-cert', subjectField: 'CN=' }), /auth\.subjectField/);
  });
});
