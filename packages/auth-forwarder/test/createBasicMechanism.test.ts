import assert from 'node:assert/strict';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import {
  AuthenticatorClosedError,
  AuthFileUnreadableError,
  createAuthenticator,
  HtpasswdEntryError,
  type Authenticator,
} from '../src/index.ts';
import { basic, bearer, EventLog, expectFailure, expectSuccess, header, request, useTempDir } from './support.ts';

// Hashes from the SHA-crypt specification's vectors, so these entries do not depend on our code.
const sha256Entry = '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5';
const sha512Entry = '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1';
const specPassword = 'Hello world!';

describe('basic authenticator', () => {
  const dir = useTempDir();
  let file: string;
  let auth: Authenticator;
  let log: EventLog;
  let now: number;
  const bcryptB = bcrypt.hashSync('b-secret', 4);

  beforeEach(async function () {
    file = join(dir.path, `${this.currentTest!.title.replace(/\W+/g, '-')}.htpasswd`);
    await writeFile(file, [
      '# users',
      `anna:${bcryptB}`,
      `bert:${bcryptB.replace('$2b$', '$2a$')}`,
      `yves:${bcryptB.replace('$2b$', '$2y$')}`,
      `carol:${sha256Entry}`,
      `dave:${sha512Entry}`,
      `zoë:${bcryptB}`,
      `bad\x01user:${bcryptB}`,
      '',
    ].join('\n'));
    log = new EventLog();
    now = 1_000_000;
    auth = createAuthenticator({ type: 'basic', htpasswdFile: file, realm: 'shop' }, { onEvent: log.onEvent, clock: () => now });
  });

  afterEach(() => auth.close());

  for (const [user, password, kind] of [
    ['anna', 'b-secret', '$2b$'], ['bert', 'b-secret', '$2a$'], ['yves', 'b-secret', '$2y$'],
    ['carol', specPassword, '$5$'], ['dave', specPassword, '$6$'], ['zoë', 'b-secret', 'UTF-8 name'],
  ] as const) {
    it(`accepts the right password for a ${kind} entry`, async () => {
      const outcome = expectSuccess(await auth.authenticate(request([basic(user, password)])));
      assert.deepEqual(outcome.identity, { user, scheme: 'basic' });
    });
  }

  for (const [user, kind] of [['anna', 'bcrypt'], ['carol', '$5$'], ['dave', '$6$']] as const) {
    it(`refuses a wrong password for a ${kind} entry with a Basic challenge`, async () => {
      const failure = expectFailure(await auth.authenticate(request([basic(user, 'wrong')])));
      assert.equal(failure.status, 401);
      assert.deepEqual(header(failure, 'www-authenticate'), ['Basic realm="shop", charset="UTF-8"']);
    });
  }

  it('answers an unknown user exactly like a wrong password', async () => {
    const unknown = expectFailure(await auth.authenticate(request([basic('nobody', 'b-secret')])));
    const wrong = expectFailure(await auth.authenticate(request([basic('anna', 'nope')])));
    assert.deepEqual({ ...unknown }, { ...wrong });
  });

  it('spends a password hash on unknown users too', async () => {
    const slow = bcrypt.hashSync('x', 9);
    await writeFile(file, `anna:${slow}\n`);
    await auth.close();
    auth = createAuthenticator({ type: 'basic', htpasswdFile: file });
    // The process's CPU time, not the wall clock: bcryptjs hashes on this thread, and on a loaded
    // machine the wall clock measured other processes' turns (known 453 ms, unknown 59 ms at load
    // 20). Interleaved, so that a change in load weighs on both alike.
    const cpuMs = async (user: string): Promise<number> => {
      const before = process.cpuUsage();
      await auth.authenticate(request([basic(user, 'guess')]));
      const spent = process.cpuUsage(before);
      return (spent.user + spent.system) / 1000;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      known.push(await cpuMs('anna'));
      unknown.push(await cpuMs('nobody'));
    }
    const median = (samples: number[]) => samples.sort((a, b) => a - b)[1]!;
    assert.ok(median(unknown) > median(known) * 0.5, `unknown user took ${median(unknown).toFixed(1)} ms of CPU, known ${median(known).toFixed(1)} ms`);
  });

  it('asks for credentials when there are none', async () => {
    const failure = expectFailure(await auth.authenticate(request()));
    assert.equal(failure.status, 401);
    assert.equal(failure.reason, 'no credentials');
    assert.deepEqual(header(failure, 'www-authenticate'), ['Basic realm="shop", charset="UTF-8"']);
  });

  for (const [label, value] of [
    ['a Bearer token', bearer('abc')[1]],
    ['credentials without a colon', `Basic ${Buffer.from('anna').toString('base64')}`],
    ['invalid base64', 'Basic ***'],
    ['credentials that are not UTF-8', `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`],
  ] as const) {
    it(`refuses ${label}`, async () => {
      assert.equal(expectFailure(await auth.authenticate(request([['authorization', value]]))).status, 401);
    });
  }

  it('refuses a password over 1024 bytes without hashing it', async () => {
    const failure = expectFailure(await auth.authenticate(request([basic('carol', 'x'.repeat(1025))])));
    assert.equal(failure.reason, 'password too long');
  });

  it('refuses two Authorization headers even if one is right', async () => {
    const failure = expectFailure(await auth.authenticate(request([basic('anna', 'b-secret'), basic('nobody', 'x')])));
    assert.equal(failure.reason, 'more than one Authorization header');
  });

  it('refuses with 403 a user whose name would inject a control character', async () => {
    const failure = expectFailure(await auth.authenticate(request([basic('bad\x01user', 'b-secret')])));
    assert.equal(failure.status, 403);
    assert.match(failure.reason, /x-portico-user/);
  });

  it('reports successes and failures without the password or the Authorization value', async () => {
    await auth.authenticate(request([basic('anna', 'b-secret')]));
    await auth.authenticate(request([basic('anna', 'hunter2')]));
    assert.deepEqual(log.named('auth.succeeded')[0]!.fields, { scheme: 'basic', user: 'anna', remoteAddress: '127.0.0.1' });
    assert.equal(log.named('auth.failed').length, 1);
    const logged = JSON.stringify(log.events);
    assert.ok(!logged.includes('hunter2') && !logged.includes('b-secret') && !logged.includes('Basic '), logged);
  });

  it('reloads the file when it changes in place', async () => {
    const reloaded = log.next('auth.htpasswd_reloaded');
    await writeFile(file, `newbie:${bcryptB}\n`);
    assert.deepEqual((await reloaded).fields, { file, users: 1 });
    expectSuccess(await auth.authenticate(request([basic('newbie', 'b-secret')])));
    expectFailure(await auth.authenticate(request([basic('anna', 'b-secret')])));
  });

  it('reloads the file when an editor replaces it by rename', async () => {
    const reloaded = log.next('auth.htpasswd_reloaded');
    await writeFile(`${file}.tmp`, `renamed:${bcryptB}\n`);
    await rename(`${file}.tmp`, file);
    await reloaded;
    expectSuccess(await auth.authenticate(request([basic('renamed', 'b-secret')])));
  });

  it('sees a change on use, by stat, without waiting for the watcher', async () => {
    await writeFile(file, `statted:${bcryptB}\n`);
    now += 1000;
    expectSuccess(await auth.authenticate(request([basic('statted', 'b-secret')])));
  });

  it('keeps the last good users when a reload finds a refused entry, and reports it', async () => {
    const failed = log.next('auth.htpasswd_reload_failed');
    await writeFile(file, 'mallory:plaintext-password\n');
    const event = await failed;
    assert.match(String(event.fields['message']), /:1: user "mallory": the password is plaintext/);
    assert.ok(!String(event.fields['message']).includes('plaintext-password'));
    expectSuccess(await auth.authenticate(request([basic('anna', 'b-secret')])));
    now += 1000;
    expectSuccess(await auth.authenticate(request([basic('anna', 'b-secret')])));
  });

  it('closes idempotently and refuses to authenticate afterwards', async () => {
    const first = auth.close();
    assert.equal(auth.close(), first);
    await first;
    await assert.rejects(auth.authenticate(request([basic('anna', 'b-secret')])), AuthenticatorClosedError);
  });
});

describe('basic authenticator configuration', () => {
  const dir = useTempDir();

  const refused: [label: string, entry: string, message: RegExp][] = [
    ['plaintext', 'eve:secret', /:2: user "eve": the password is plaintext or in an unknown format/],
    ['MD5 apr1', 'eve:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/', /:2: user "eve": MD5-crypt hashes are refused/],
    ['MD5 crypt', 'eve:$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', /MD5-crypt hashes are refused/],
    ['crypt(3) DES', 'eve:rqXexS6ZhobKA', /crypt\(3\) DES hashes are refused/],
    ['unsalted SHA-1', 'eve:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', /unsalted SHA-1 hashes are refused/],
    ['a malformed bcrypt hash', 'eve:$2b$10$short', /the hash is malformed/],
    ['bcrypt cost 16', `eve:$2b$16$${'a'.repeat(53)}`, /bcrypt cost 16 is outside 4–14/],
    ['SHA-crypt with 5 million rounds', `eve:$6$rounds=5000000$salt$${'a'.repeat(86)}`, /rounds 5000000 are outside/],
    ['a line without a colon', 'eve', /:2: expected "user:hash"/],
  ];
  for (const [label, entry, message] of refused) {
    it(`refuses ${label} at load, naming the line`, async () => {
      const file = join(dir.path, 'refused.htpasswd');
      await writeFile(file, `ok:${sha256Entry}\n${entry}\n`);
      assert.throws(() => createAuthenticator({ type: 'basic', htpasswdFile: file }), (error: unknown) => {
        assert.ok(error instanceof HtpasswdEntryError);
        assert.match(error.message, message);
        assert.ok(error.message.startsWith(`${file}:`));
        return true;
      });
    });
  }

  it('refuses a user listed twice', async () => {
    const file = join(dir.path, 'twice.htpasswd');
    await writeFile(file, `a:${sha256Entry}\na:${sha256Entry}\n`);
    assert.throws(() => createAuthenticator({ type: 'basic', htpasswdFile: file }), /:2: user "a" is listed twice/);
  });

  it('names the key when the file cannot be read', () => {
    assert.throws(
      () => createAuthenticator({ type: 'basic', htpasswdFile: join(dir.path, 'missing') }),
      (error: unknown) => error instanceof AuthFileUnreadableError && /auth\.htpasswdFile/.test(error.message),
    );
  });

  it('refuses a realm that would break the challenge', async () => {
    const file = join(dir.path, 'realm.htpasswd');
    await writeFile(file, '');
    assert.throws(() => createAuthenticator({ type: 'basic', htpasswdFile: file, realm: 'a"b' }), /auth\.realm/);
  });
});
