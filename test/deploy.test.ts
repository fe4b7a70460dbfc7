import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { createAdminServer, RequestMetrics, type AdminServer } from '@portico/listener';
import { loadConfig, resolveConfig, type PorticoConfig } from '@portico/portico';
import { request } from './helpers/portico.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const deploy = join(root, 'examples/deploy');
const configPath = '/etc/portico/portico.json';
const entrypoint = ['portico', 'start', '-c', configPath];

/** The unit's sections and keys; a repeated key keeps every value, in order. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(current && eq > 0, `not a key=value line inside a section: ${line}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

/** Dockerfile instructions in order, continuation lines joined. */
function parseDockerfile(text: string): { instruction: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [instruction, ...rest] = l.split(/\s+/);
      return { instruction: instruction!.toUpperCase(), args: rest.join(' ') };
    });
}

const seconds = (value: string): number => {
  const m = /^(\d+)(s|min)?$/.exec(value);
  assert.ok(m, `a duration systemd reads: ${value}`);
  return Number(m[1]) * (m[2] === 'min' ? 60 : 1);
};
const longestShutdown = (config: PorticoConfig) => Math.max(...config.apps.map((a) => a.shutdownTimeLimit));

describe('deployment examples (examples/deploy)', () => {
  let sample: PorticoConfig;
  before(async () => {
    sample = await loadConfig(join(deploy, 'portico.json'), { env: {} });
  });

  describe('portico.service (systemd)', () => {
    let unit: Map<string, Map<string, string[]>>;
    let text: string;
    before(async () => {
      text = await readFile(join(deploy, 'portico.service'), 'utf8');
      unit = parseUnit(text);
    });
    const get = (section: string, key: string) => unit.get(section)?.get(key)?.at(-1);

    it('runs "portico start" in the foreground with the documented config path', () => {
      assert.equal(get('Service', 'Type'), 'simple');
      assert.match(get('Service', 'ExecStart') ?? '', new RegExp(`^/\\S+/node /opt/portico/packages/portico/bin/portico\\.js start -c ${configPath}$`));
    });

    it('sends SIGTERM to Portico alone and gives it longer than the longest shutdownTimeLimit', () => {
      assert.equal(get('Service', 'KillMode'), 'mixed');
      assert.equal(get('Service', 'KillSignal') ?? 'SIGTERM', 'SIGTERM');
      const timeout = seconds(get('Service', 'TimeoutStopSec') ?? '90');
      assert.ok(timeout >= longestShutdown(sample) + 10, `TimeoutStopSec ${timeout} s leaves under 10 s above shutdownTimeLimit ${longestShutdown(sample)} s`);
    });

    it('delegates the unit\'s cgroup to Portico, which gives each worker a cgroup with its limits (docs/worker.md)', () => {
      // Without it Portico, as User=portico, may create no cgroup: a daemonised grandchild outlives its worker.
      assert.equal(get('Service', 'Delegate'), 'yes');
    });

    it('reloads with SIGHUP to the main process and restarts after a failure', () => {
      assert.equal(get('Service', 'ExecReload'), '/bin/kill -HUP $MAINPID');
      assert.equal(get('Service', 'Restart'), 'on-failure');
      assert.equal(get('Install', 'WantedBy'), 'multi-user.target');
    });

    it('passes systemd-analyze verify with the placeholders filled in', async function () {
      const which = await new Promise<boolean>((resolve) => execFile('systemd-analyze', ['--version'], (error) => resolve(!error)));
      if (!which) {
        console.log('      (systemd-analyze is not installed: the unit is checked by the INI reader only)');
        return this.skip();
      }
      const dir = await mkdtemp(join(tmpdir(), 'portico-unit-'));
      try {
        const file = join(dir, 'portico.service');
        await writeFile(file, text.replace(/\/usr\/bin\/node/g, process.execPath).replace(/\/opt\/portico/g, root.replace(/\/$/, '')));
        const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) =>
          execFile('systemd-analyze', ['verify', '--man=no', file], (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr })),
        );
        assert.equal(code, 0, stderr);
        assert.equal(stderr.trim(), '', 'no warnings');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('Dockerfile', () => {
    let steps: { instruction: string; args: string }[];
    before(async () => {
      steps = parseDockerfile(await readFile(join(deploy, 'Dockerfile'), 'utf8'));
    });
    const last = (instruction: string) => steps.filter((s) => s.instruction === instruction).at(-1)?.args;

    it('builds on node:24-slim (an LTS line) and installs with pnpm', () => {
      assert.equal(steps[0]?.instruction, 'FROM');
      assert.equal(steps[0]?.args, 'node:24-slim');
      assert.ok(steps.some((s) => s.instruction === 'RUN' && /\bpnpm install --frozen-lockfile\b/.test(s.args)));
    });

    it('runs "portico start -c /etc/portico/portico.json" in exec form and stops it with SIGTERM', () => {
      assert.deepEqual(JSON.parse(last('ENTRYPOINT') ?? 'null'), entrypoint);
      assert.equal(last('STOPSIGNAL'), 'SIGTERM');
    });

    it('health-checks /healthz on the sample config\'s admin port', () => {
      const url = /http:\/\/([^/]+)\/healthz/.exec(last('HEALTHCHECK') ?? '');
      assert.equal(url?.[1], `${sample.admin!.host}:${sample.admin!.port}`);
    });
  });

  describe('kubernetes.yaml', () => {
    let byKind: Map<string, Record<string, any>>;
    let podConfig: PorticoConfig;
    before(async () => {
      const docs = parseAllDocuments(await readFile(join(deploy, 'kubernetes.yaml'), 'utf8'));
      for (const doc of docs) assert.deepEqual(doc.errors, []);
      byKind = new Map(docs.map((d) => d.toJS() as Record<string, any>).map((d) => [d['kind'] as string, d]));
      const text = byKind.get('ConfigMap')!['data']['portico.json'] as string;
      podConfig = resolveConfig(JSON.parse(text), { file: configPath, baseDir: '/etc/portico', env: {} });
    });
    const container = () => byKind.get('Deployment')!['spec']['template']['spec']['containers'][0] as Record<string, any>;

    it('holds a ConfigMap, a Deployment and a Service', () => {
      assert.deepEqual([...byKind.keys()].sort(), ['ConfigMap', 'Deployment', 'Service']);
    });

    it('runs Portico as the container\'s command, with the config mounted where it reads it', () => {
      assert.deepEqual(container()['command'], entrypoint);
      const mount = (container()['volumeMounts'] as { name: string; mountPath: string }[]).find((m) => configPath.startsWith(`${m.mountPath}/`));
      const volume = (byKind.get('Deployment')!['spec']['template']['spec']['volumes'] as { name: string; configMap?: { name: string } }[]).find((v) => v.name === mount?.name);
      assert.equal(volume?.configMap?.name, byKind.get('ConfigMap')!['metadata']['name']);
    });

    it('gives a terminating pod longer than preStop plus the longest shutdownTimeLimit', () => {
      const grace = byKind.get('Deployment')!['spec']['template']['spec']['terminationGracePeriodSeconds'] as number;
      const preStop = container()['lifecycle']['preStop']['exec']['command'] as string[];
      assert.equal(preStop[0], 'sleep');
      const needed = Number(preStop[1]) + longestShutdown(podConfig);
      assert.ok(grace >= needed + 5, `terminationGracePeriodSeconds ${grace} leaves under 5 s above ${needed}`);
    });

    it('probes liveness on /healthz and readiness on /readyz at the admin port, bound to every address', () => {
      const admin = podConfig.admin!;
      assert.equal(admin.host, '0.0.0.0');
      assert.equal(container()['livenessProbe']['httpGet']['path'], '/healthz');
      assert.equal(container()['readinessProbe']['httpGet']['path'], '/readyz');
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) assert.equal(container()[probe]['httpGet']['port'], admin.port, probe);
      assert.ok((container()['ports'] as { containerPort: number }[]).some((p) => p.containerPort === admin.port));
    });

    it('waits at startup for longer than startupTimeLimit', () => {
      const { periodSeconds, failureThreshold } = container()['startupProbe'] as { periodSeconds: number; failureThreshold: number };
      assert.ok(periodSeconds * failureThreshold > Math.max(...podConfig.apps.map((a) => a.startupTimeLimit)));
    });

    it('sends the Service to the port Portico listens on', () => {
      const target = byKind.get('Service')!['spec']['ports'][0]['targetPort'] as string | number;
      const port = (container()['ports'] as { name: string; containerPort: number }[]).find((p) => p.name === target || p.containerPort === target);
      assert.equal(port?.containerPort, podConfig.listen[0]!.port);
      assert.deepEqual(byKind.get('Service')!['spec']['selector'], byKind.get('Deployment')!['spec']['template']['metadata']['labels']);
    });

    describe('the probes against a real admin server', () => {
      let admin: AdminServer;
      let port: number;
      before(async () => {
        const status = { startedAt: Date.now(), version: '0.1.0', pid: process.pid, apps: [] };
        admin = createAdminServer({ source: { status: () => status, ready: () => true, reload: async () => ({ ok: true }), onChange: () => () => {} }, metrics: new RequestMetrics(), port: 0 });
        ({ port } = await admin.start());
      });
      after(() => admin.close());

      for (const probe of ['livenessProbe', 'readinessProbe']) {
        it(`${probe} is answered 200 with the headers it sends`, async () => {
          const get = container()[probe]['httpGet'] as { path: string; httpHeaders?: { name: string; value: string }[] };
          const headers = Object.fromEntries((get.httpHeaders ?? []).map((h) => [h.name, h.value]));
          const reply = await request(port, get.path, { headers });
          assert.equal(reply.status, 200, reply.body);
        });
      }

      it('would be refused with the pod IP the kubelet sends by default', async () => {
        const reply = await request(port, '/healthz', { headers: { Host: `10.1.2.3:${port}` } });
        assert.equal(reply.status, 403);
      });
    });
  });

  it('docs/deploy.md links every example file', async () => {
    const doc = await readFile(join(root, 'docs/deploy.md'), 'utf8');
    for (const file of ['portico.json', 'portico.service', 'Dockerfile', 'Dockerfile.dockerignore', 'kubernetes.yaml']) {
      assert.ok(existsSync(join(deploy, file)), file);
      assert.ok(doc.includes(`../examples/deploy/${file})`), `docs/deploy.md links ${file}`);
    }
  });
});
