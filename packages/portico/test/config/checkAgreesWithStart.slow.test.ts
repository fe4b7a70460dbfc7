import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import bcrypt from 'bcryptjs';
import { createLogger } from '@portico/log-sink';
import { createPortico, loadConfig, PorticoConfigSchema } from '@portico/portico';
import { execFileSync, spawnSync } from 'node:child_process';
import { main } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/CliIo.ts';

const hasOpenssl = (): boolean => spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

// Issue 15, "portico check agrees with start": check accepted a forward-auth userHeader with CR/LF
// and a copyHeaders entry "x ok: 1"; start then failed with "internal error, please report it"
// (exit 70) and a reload answered 500. This walks every value of configs that use every key of the
// schema, replaces each with values a careless or hostile file may hold, and holds check and start
// to one answer: what check accepts, start builds and binds; what check refuses, start refuses
// with the same words; neither ever exits 70.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface SchemaLike {
  readonly type?: string;
  readonly anyOf?: readonly SchemaLike[];
  readonly properties?: Readonly<Record<string, SchemaLike>>;
  readonly patternProperties?: Readonly<Record<string, SchemaLike>>;
  readonly items?: SchemaLike;
}

/** Every key path the schema allows: `apps[].auth.userHeader`, `apps[].environmentVariables.*`. */
function schemaPaths(schema: SchemaLike, prefix: string, out: Set<string>): Set<string> {
  for (const branch of schema.anyOf ?? []) schemaPaths(branch, prefix, out);
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (key === '$schema') continue;
    out.add(`${prefix}${prefix ? '.' : ''}${key}`);
    schemaPaths(child, `${prefix}${prefix ? '.' : ''}${key}`, out);
  }
  for (const child of Object.values(schema.patternProperties ?? {})) {
    out.add(`${prefix}.*`);
    schemaPaths(child, `${prefix}.*`, out);
  }
  if (schema.items) schemaPaths(schema.items, `${prefix}[]`, out);
  return out;
}

/** The key paths a config uses, written as `schemaPaths` writes them. */
function valuePaths(value: Json, prefix: string, records: ReadonlySet<string>, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) valuePaths(item, `${prefix}[]`, records, out);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const path = records.has(prefix) ? `${prefix}.*` : `${prefix}${prefix ? '.' : ''}${key}`;
      out.add(path);
      valuePaths(child, path, records, out);
    }
  }
  return out;
}

/** Where in `value` a leaf is, as keys and indexes. */
type Location = readonly (string | number)[];

function leaves(value: Json, at: Location = []): { at: Location; value: Json }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, [...at, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, child]) => leaves(child, [...at, key]));
  return [{ at, value }];
}

function replaced(config: Json, at: Location, value: Json): Json {
  const copy = structuredClone(config);
  let parent = copy as Record<string | number, Json>;
  for (const step of at.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  parent[at.at(-1)!] = value;
  return copy;
}

function renamed(config: Json, at: Location, key: string): Json {
  const copy = structuredClone(config);
  let parent = copy as Record<string | number, Json>;
  for (const step of at.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  const old = at.at(-1) as string;
  parent[key] = parent[old]!;
  delete parent[old];
  return copy;
}

const stringVariants = (v: string): string[] => [
  `${v}\r\nx-injected: 1`,
  `${v}\n`,
  `${v}\r`,
  `${v}\0`,
  `${v} x`,
  `${v}:`,
  `${v}(`,
  `${v}\u00a0`,
  `${v}\t`,
  ` ${v}`,
  'x ok: 1',
  '',
  ' ',
  '[',
  '*',
  '/',
  'é',
  'x-portico-user',
  'content-length',
  'http://example.com/',
];
const numberVariants = [0, -1, 0.5, 1e9, 65536, 2 ** 53];

function memoryIo(cwd: string): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { stdout: (t) => (out += t), stderr: (t) => (err += t), env: { ...process.env, SHOP_JWT_SECRET: 's'.repeat(40), SHOP_ADMIN_TOKEN: 'e'.repeat(40) }, cwd, out: () => out, err: () => err };
}

describe('portico check agrees with start', function () {
  this.timeout(600_000);
  let dir: string;
  let base: Json;

  before(async function () {
    if (!hasOpenssl()) this.skip();
    dir = await mkdtemp(join(tmpdir(), 'portico-agree-'));
    // One self-signed certificate serves as the listener's and as the CA of client certificates.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.pem'), '-subj', '/CN=127.0.0.1', '-days', '2'], { stdio: 'ignore' });
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(join(dir, 'jwt.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' }] }));
    await writeFile(join(dir, 'users'), `alice:${bcrypt.hashSync('wonderland', 4)}\n`);
    await writeFile(join(dir, 'admin-token'), `${'t'.repeat(40)}\n`);
    await mkdir(join(dir, 'shop'));
    const app = (name: string, path: string, extra: Record<string, Json>): Record<string, Json> => ({
      name,
      match: { host: 'shop.example', path },
      processPath: process.execPath,
      arguments: ['server.js', '--port', '8080'],
      ...extra,
    });
    base = {
      listen: [
        { port: 0, host: '127.0.0.1', h2c: true },
        { port: 0, host: '127.0.0.1', tls: { cert: './server.pem', key: './server.key', ca: './server.pem', requestCert: true }, http2: true },
      ],
      limits: { maxHeaderBytes: 16384, maxHeaderCount: 100, headersTimeout: 60, bodyIdleTimeout: 60, sendTimeout: 60, keepAliveTimeout: 75, maxConnections: 100 },
      admin: { port: 0, host: '127.0.0.1', allowedHosts: ['portico.internal'], socket: './run/admin.sock', socketGroup: process.getgid!(), tokenFile: './admin-token', limits: { maxConnections: 64, maxUnadmitted: 16, headersTimeout: 5 } },
      watch: false,
      sampleInterval: 2,
      fronts: 1,
      frontPing: { interval: 2, responseTime: 10 },
      frontGc: 'parallel',
      apps: [
        app('basic', '/basic', {
          workingDirectory: './shop',
          environmentVariables: { NODE_ENV: 'production' },
          processesPerApplication: 2,
          maxProcesses: 3,
          processIdleTime: 300,
          busyRequests: 2,
          startupTimeLimit: 30,
          shutdownTimeLimit: 5,
          rapidFailsPerMinute: 5,
          requestTimeout: 60,
          stdoutLogEnabled: true,
          stdoutLogFile: './logs/basic',
          stdoutLog: { timestamps: true, maxFileBytes: 1048576, retain: 5, maxAge: 86400, maxTotalBytes: 10485760, compress: true, toStdout: true },
          disableStartUpErrorPage: true,
          listenMode: 'unix',
          readiness: { kind: 'http', path: '/health' },
          liveness: { kind: 'http', path: '/health', pingInterval: 15, pingResponseTime: 5, failureThreshold: 2 },
          watchedFiles: ['.'],
          memoryMax: '256M',
          cpuQuota: 150,
          tasksMax: 64,
          restart: { backoff: { min: 0.5, max: 10, factor: 3, jitter: 0.1, resetAfter: 60 }, retryFailed: { min: 30, max: 300 } },
          idleTimeout: 600,
          recycling: { requests: 100000, memory: 512, memorySamples: 4, time: 86400, schedule: ['03:00'] },
          start: 'lazy',
          compat: 'aspnetcore',
          trustRequestId: true,
          stripPrefix: true,
          allowTrace: true,
          forwardAuthToken: true,
          queue: { maxWaiting: 50, timeout: 30 },
          detailedErrors: true,
          auth: { type: 'basic', htpasswdFile: './users', realm: 'shop', maxClaimsBytes: 2048 },
        }),
        app('jwt-key', '/jwt-key', {
          auth: {
            type: 'jwt',
            algorithms: ['ES256'],
            publicKeyFile: './jwt.pem',
            issuer: 'https://issuer.example',
            audience: ['shop'],
            clockTolerance: 10,
            requireExpiration: true,
            userClaim: 'sub',
            claims: ['email', 'roles'],
            realm: 'shop',
          },
        }),
        app('jwt-jwks', '/jwt-jwks', { auth: { type: 'jwt', jwksFile: './jwks.json', audience: 'shop', issuer: ['a', 'b'] } }),
        app('jwt-secret', '/jwt-secret', { auth: { type: 'jwt', secret: 'a-secret-of-at-least-32-bytes-long!!' } }),
        app('jwt-env', '/jwt-env', { auth: { type: 'jwt', secretEnv: 'SHOP_JWT_SECRET' } }),
        app('cert', '/cert', { listenMode: 'socket-activation', readiness: { kind: 'notify' }, liveness: { kind: 'watchdog', watchdogSec: 20 }, auth: { type: 'client-cert', subjectField: 'CN' } }),
        app('forward', '/forward', {
          arguments: 'server.js --flag',
          // Portico's own account: no switch, so this runs as any user.
          user: userInfo().username,
          group: String(userInfo().gid),
          readiness: { kind: 'tcp' },
          auth: {
            type: 'forward',
            url: 'http://127.0.0.1:9/check',
            timeout: 2,
            copyHeaders: ['x-auth-email', 'x-auth-roles'],
            userHeader: 'x-auth-user',
            cacheTtl: 10,
            cacheSize: 100,
            cacheScope: 'credentials',
          },
        }),
      ],
    };
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts from configs that use every key of the schema (add a new key to them)', async () => {
    const records = new Set(['apps[].environmentVariables']);
    // tokenFile and tokenEnv exclude each other: the second config names the token by variable.
    const withTokenEnv = replaced(renamed(base, ['admin', 'tokenFile'], 'tokenEnv'), ['admin', 'tokenEnv'], 'SHOP_ADMIN_TOKEN');
    const used = valuePaths(withTokenEnv, '', records, valuePaths(base, '', records, new Set()));
    const missing = [...schemaPaths(PorticoConfigSchema as SchemaLike, '', new Set())].filter((p) => !used.has(p));
    assert.deepEqual(missing, [], 'keys of the schema that the configs of this test do not use: give them a value in `base`');
    await assertStarts(base);
    await assertStarts(withTokenEnv);
  });

  it('refuses in check, with the same message as start, every value that start refuses, and never exits 70', async () => {
    const cases: { what: string; config: Json }[] = [];
    for (const leaf of leaves(base)) {
      const where = leaf.at.join('.');
      if (typeof leaf.value === 'string') for (const v of stringVariants(leaf.value)) cases.push({ what: `${where} = ${JSON.stringify(v)}`, config: replaced(base, leaf.at, v) });
      if (typeof leaf.value === 'number') for (const v of numberVariants) cases.push({ what: `${where} = ${v}`, config: replaced(base, leaf.at, v) });
    }
    const env = ['apps', 0, 'environmentVariables', 'NODE_ENV'] as const;
    for (const key of ['A=B', 'A\0', 'A B', '', 'A\nB']) cases.push({ what: `environment variable named ${JSON.stringify(key)}`, config: renamed(base, env, key) });

    const disagreements: string[] = [];
    let accepted = 0;
    for (const [i, { what, config }] of cases.entries()) {
      const file = join(dir, `case-${i}.json`);
      await writeFile(file, JSON.stringify(config));
      const check = memoryIo(dir);
      const checked = await main(['check', '-c', file], check);
      if (checked === 0) {
        accepted++;
        const failure = await startFails(file);
        if (failure === undefined) continue;
        // A well-formed name that this machine cannot bind is the machine's answer, not the
        // config's: start says so plainly (exit 1), never as an internal error.
        if (failure.code === 'PORTICO_ERR_LISTENER_LISTEN_FAILED' || failure.code === 'PORTICO_ERR_LISTENER_ADMIN_SOCKET_UNSAFE') {
          const start = memoryIo(dir);
          const started = await main(['start', '-c', file], start);
          if (started !== 1 || !start.err().includes(failure.message)) disagreements.push(`${what}: start exit ${started}: ${start.err().trim()}`);
          continue;
        }
        disagreements.push(`${what}: check accepted it, start failed: ${failure.message}`);
        continue;
      }
      const start = memoryIo(dir);
      const started = await main(['start', '-c', file], start);
      if (checked === 70 || started !== checked || start.err() !== check.err()) {
        disagreements.push(`${what}: check exit ${checked}, start exit ${started}\n  check: ${check.err().trim()}\n  start: ${start.err().trim()}`);
      }
    }
    assert.equal(disagreements.length, 0, `${disagreements.length} of ${cases.length} cases (${accepted} accepted) disagree:\n${disagreements.join('\n')}`);
  });

  it('refuses in check, with the same message as start, files whose content start refuses', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const contents: [string, Location, string][] = [
      ['a certificate that is not PEM', ['listen', 1, 'tls', 'cert'], 'not a certificate\n'],
      ['a key that does not fit the certificate', ['listen', 1, 'tls', 'key'], String(other)],
      ['a CA bundle that is not PEM', ['listen', 1, 'tls', 'ca'], '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
      ['an htpasswd line without a hash', ['apps', 0, 'auth', 'htpasswdFile'], 'alice\n'],
      ['a public key that is not PEM', ['apps', 1, 'auth', 'publicKeyFile'], 'not a key\n'],
      ['a JWKS that is not JSON', ['apps', 2, 'auth', 'jwksFile'], '{"keys": ['],
    ];
    const disagreements: string[] = [];
    for (const [i, [what, at, content]] of contents.entries()) {
      await writeFile(join(dir, `content-${i}`), content);
      const file = join(dir, `content-case-${i}.json`);
      await writeFile(file, JSON.stringify(replaced(base, at, `./content-${i}`)));
      const check = memoryIo(dir);
      const start = memoryIo(dir);
      const checked = await main(['check', '-c', file], check);
      const started = checked === 0 ? undefined : await main(['start', '-c', file], start);
      if (checked !== 1 || started !== 1 || start.err() !== check.err()) disagreements.push(`${what}: check exit ${checked}, start exit ${started}: ${check.err().trim()} | ${start.err().trim()}`);
    }
    assert.deepEqual(disagreements, []);
  });

  /** Builds and starts Portico as `portico start` does; the failure, if any. */
  async function startFails(file: string): Promise<{ code: unknown; message: string } | undefined> {
    try {
      await assertStarts(await loadConfig(file, { env: memoryIo(dir).env }));
      return undefined;
    } catch (error) {
      return { code: (error as { code?: unknown }).code, message: (error as Error).message };
    }
  }

  async function assertStarts(config: unknown): Promise<void> {
    const loaded = typeof (config as { listen?: unknown }).listen === 'object' && Object.isFrozen(config) ? config : await loadFromObject(config);
    const portico = createPortico(loaded as Parameters<typeof createPortico>[0], {
      logger: createLogger({ destination: new PassThrough().resume(), level: 'silent' }),
      baseEnvironment: memoryIo(dir).env,
    });
    try {
      await portico.start();
    } finally {
      await portico.stop();
    }
  }

  async function loadFromObject(config: unknown): Promise<unknown> {
    const file = join(dir, 'base.json');
    await writeFile(file, JSON.stringify(config));
    return loadConfig(file, { env: memoryIo(dir).env });
  }
});
