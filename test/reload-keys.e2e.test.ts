import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { PorticoConfigSchema, resolveConfig, type Portico, type PorticoConfig } from '@portico/portico';
import { app, json, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// Issue 16, "Nothing is dropped silently": changes to listen, limits and admin were ignored while
// the reload said ok with changed: [] (an HTTPS listener added by reload never answered; a raised
// maxHeaderBytes still gave 431). Each top-level key of the schema has a case here: a reload that
// changes it either applies it (and the case sees the effect) or is refused naming the key, with
// the running config left in force. A key of the schema without a case fails the first test.

/** A raw request with one header of `size` bytes, on a new connection: the status Portico answers. */
function bigHead(port: number, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    // Written without a FIN: Portico takes a client that half-closes as gone. It closes after the answer.
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET / HTTP/1.1\r\nHost: a\r\nx-big: ${'b'.repeat(size)}\r\nConnection: close\r\n\r\n`));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

interface Running {
  readonly portico: Portico;
  readonly port: number;
  readonly dir: string;
}

type Case = (running: Running, changed: (edit: (input: Record<string, unknown>) => void) => PorticoConfig) => Promise<void>;

const base = (): Record<string, unknown> => ({
  listen: [{ port: 0, host: '127.0.0.1' }],
  limits: { maxHeaderBytes: 1024 },
  apps: [app('shop', { start: 'eager' })],
});

/** Asserts a refused reload that names `key` and leaves the running config as it was. */
async function refusedNaming(portico: Portico, next: PorticoConfig, key: string): Promise<void> {
  const before = portico.config;
  const result = await portico.reload(next);
  assert.equal(result.ok, false, `a change of "${key}" was reported as applied: ${JSON.stringify(result)}`);
  assert.ok(!result.ok && result.errors.some((e) => e.includes(`"${key}"`) && /restart/.test(e)), JSON.stringify(result));
  assert.equal(portico.config, before, 'the running config stays in force');
}

const cases: Record<string, Case> = {
  async listen({ portico, port }, changed) {
    const next = changed((c) => (c['listen'] = [{ port: 0, host: '127.0.0.1' }, { port: 0, host: '127.0.0.1' }]));
    await refusedNaming(portico, next, 'listen');
    assert.equal(json(await request(port, '/')).url, '/');
  },
  async limits({ portico, port }, changed) {
    assert.equal(await bigHead(port, 2000), 431);
    const result = await portico.reload(changed((c) => (c['limits'] = { maxHeaderBytes: 8192 })));
    assert.deepEqual(result, { ok: true, changed: [], settings: ['limits'] });
    // New connections get the new limits.
    assert.equal(await bigHead(port, 2000), 200);
    assert.equal(portico.config.limits.maxHeaderBytes, 8192);
  },
  async admin({ portico }, changed) {
    await refusedNaming(portico, changed((c) => (c['admin'] = { port: 0, socket: './run/admin.sock' })), 'admin');
  },
  async sampleInterval({ portico }, changed) {
    // Off in the running config: figures appear only if the reload turned sampling on.
    const stopped = await portico.reload(changed((c) => (c['sampleInterval'] = 0)));
    assert.deepEqual(stopped, { ok: true, changed: [], settings: ['sampleInterval'] });
    assert.equal(portico.status().apps[0]!.workers[0]!.resources, undefined);
    const result = await portico.reload(changed((c) => (c['sampleInterval'] = 0.05)));
    assert.deepEqual(result, { ok: true, changed: [], settings: ['sampleInterval'] });
    assert.equal(portico.status().sampling?.interval, 0.05);
    await new Promise<void>((resolve) => {
      const check = () => portico.status().apps[0]!.workers[0]!.resources !== undefined && (off(), resolve());
      const off = portico.onChange(check);
      check();
    });
  },
  async fronts({ portico }, changed) {
    await refusedNaming(portico, changed((c) => (c['fronts'] = 2)), 'fronts');
  },
  async frontPing({ portico }, changed) {
    // With one front there is nothing to ping; the fronts' pings read it at each ping (fronts-liveness).
    const result = await portico.reload(changed((c) => (c['frontPing'] = { interval: 1, responseTime: 4 })));
    assert.deepEqual(result, { ok: true, changed: [], settings: ['frontPing'] });
    assert.deepEqual(portico.config.frontPing, { interval: 1, responseTime: 4 });
  },
  async frontGc({ portico }, changed) {
    await refusedNaming(portico, changed((c) => (c['frontGc'] = 'parallel')), 'frontGc');
  },
  async watch({ portico }, changed) {
    await refusedNaming(portico, changed((c) => (c['watch'] = true)), 'watch');
  },
  async apps({ portico, port }, changed) {
    const before = json(await request(port, '/')).pid;
    const result = await portico.reload(changed((c) => (c['apps'] = [app('shop', { start: 'eager', environmentVariables: { VERSION: '2' } })])));
    assert.deepEqual(result, { ok: true, changed: ['shop'], settings: [] });
    assert.notEqual(json(await request(port, '/')).pid, before);
  },
};

describe('reload of every top-level key', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('has a case for every top-level key of the schema', () => {
    // `$schema` names the schema for editors and is dropped when the file is loaded.
    const keys = Object.keys(PorticoConfigSchema.properties).filter((k) => k !== '$schema');
    assert.deepEqual(Object.keys(cases).sort(), keys.sort());
  });

  for (const [key, run] of Object.entries(cases)) {
    it(`applies a change of "${key}" or refuses it naming the key, never ok with the change dropped`, async () => {
      const { portico, port, dir } = await startPortico(base());
      const changed = (edit: (input: Record<string, unknown>) => void): PorticoConfig => {
        // The running config says port 0 as well: the same listen section, bound once.
        const input = base();
        edit(input);
        return resolveConfig(input, { file: join(dir, 'portico.json'), baseDir: dir });
      };
      await run({ portico, port, dir }, changed);
    });
  }

  it('reports a reload that changes nothing as ok with nothing changed', async () => {
    const { portico, port, dir } = await startPortico(base());
    const same = resolveConfig(base(), { file: join(dir, 'portico.json'), baseDir: dir });
    assert.ok(port > 0);
    assert.deepEqual(await portico.reload(same), { ok: true, changed: [], settings: [] });
  });
});
