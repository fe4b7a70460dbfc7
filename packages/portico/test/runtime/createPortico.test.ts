import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig } from '../../src/index.ts';

const config = resolveConfig({ listen: [{ port: 0 }], apps: [{ name: 'shop', processPath: '/bin/true' }] }, { file: '/tmp/portico.json', baseDir: '/tmp' });

describe('createPortico', () => {
  // An embedder that stopped its Portico and started it again (a host restarting its subsystem)
  // got start()'s first answer back and every request answered 503 for good, with no error.
  it('refuses start() after stop(), saying to create a new Portico', async () => {
    const portico = createPortico(config, { logger: createLogger({ level: 'silent' }) });
    await portico.start({ listen: false });
    await portico.stop();
    await assert.rejects(portico.start({ listen: false }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'PORTICO_ERR_PORTICO_STOPPED');
      assert.match(error.message, /createPortico/);
      return true;
    });
  });

  it('refuses start() after a stop() that came first', async () => {
    const portico = createPortico(config, { logger: createLogger({ level: 'silent' }) });
    await portico.stop();
    await assert.rejects(portico.start({ listen: false }), { code: 'PORTICO_ERR_PORTICO_STOPPED' });
  });

  // A JavaScript host that skipped resolveConfig (the raw object looks like a config and the
  // schema's defaulted keys are optional) got "Cannot destructure property 'timestamps' of
  // 'app.stdoutLog' as it is undefined", a TypeError from deep inside, naming nothing to do.
  it('refuses a config that was not resolved, saying to pass it through resolveConfig', () => {
    const raw = { listen: [{ port: 0 }], apps: [{ name: 'shop', match: { path: '/shop' }, processPath: 'node', arguments: ['shop.js'] }] };
    assert.throws(
      () => createPortico(raw as unknown as Parameters<typeof createPortico>[0], { logger: createLogger({ level: 'silent' }) }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'PORTICO_ERR_PORTICO_INVALID_OPTION');
        assert.match(error.message, /^createPortico\(config\): the config was not resolved \(limits is missing.*resolveConfig\(object, \{ file, baseDir \}\).*loadConfig\(file\)/);
        return true;
      },
    );
    const portico = createPortico(config, { logger: createLogger({ level: 'silent' }) });
    return assert.rejects(portico.reload(raw as unknown as Parameters<typeof createPortico>[0]), /^InvalidPorticoOptionError: reload\(config\): the config was not resolved/);
  });

  // The fronts' own limits are seconds a test may shorten. A NaN start limit made every ping's
  // verdict false, and a front was killed at its first one; 0 or a negative one likewise.
  it('refuses front limits that are not seconds from 0.1 to 3600, naming the key', () => {
    for (const limits of [{ start: Number.NaN }, { shutdown: 0 }, { start: -1 }, { shutdown: 3601 }, { start: '5' }, { shutdown: Infinity }]) {
      const key = Object.keys(limits)[0]!;
      assert.throws(
        () => createPortico(config, { logger: createLogger({ level: 'silent' }), frontLimits: limits as unknown as { start: number } }),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'PORTICO_ERR_PORTICO_INVALID_OPTION');
          assert.match(error.message, new RegExp(`^createPortico\\(options\\): frontLimits\\.${key} is .*, not seconds from 0\\.1 to 3600`));
          return true;
        },
        JSON.stringify(limits),
      );
    }
    createPortico(config, { logger: createLogger({ level: 'silent' }), frontLimits: { start: 0.1, shutdown: 3600 } });
  });
});

describe('createPortico reload while stopping', () => {
  // `portico start` reloads on SIGHUP with the file read again: a SIGTERM while it was read made
  // the reload find Portico stopping, and it was dropped without a line in the log.
  it('logs config.reload_failed when a reload finds Portico stopping', async () => {
    const destination = new PassThrough().setEncoding('utf8');
    let log = '';
    destination.on('data', (chunk: string) => (log += chunk));
    const portico = createPortico(config, { logger: createLogger({ destination, pretty: false }) });
    await portico.start({ listen: false });
    const stopped = portico.stop();
    assert.deepEqual(await portico.reload(config), { ok: false, errors: ['Portico is stopping; nothing was changed'] });
    await stopped;
    const failed = log.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['event'] === 'config.reload_failed');
    assert.deepEqual(failed.map((line) => line['problems']), [['Portico is stopping; nothing was changed']]);
  });
});

describe('createPortico embedded in a host server', () => {
  // An embedder whose config asked for front processes, started with { listen: false }: status()
  // listed every front as "stopped", though embedded Portico runs none (the host's server is the
  // front door), and the status page and portico status showed them so.
  it('lists no front processes, since it runs none', async () => {
    const withFronts = resolveConfig({ listen: [{ port: 0 }], fronts: 2, apps: [{ name: 'shop', processPath: '/bin/true' }] }, { file: '/tmp/portico.json', baseDir: '/tmp' });
    const portico = createPortico(withFronts, { logger: createLogger({ level: 'silent' }) });
    await portico.start({ listen: false });
    try {
      assert.equal(portico.status().fronts, undefined);
    } finally {
      await portico.stop();
    }
  });
});

describe('resolveConfig', () => {
  // A JavaScript host that left out the options got "Cannot read properties of undefined
  // (reading 'env')".
  it('refuses options without file and baseDir, naming both', () => {
    const input = { listen: [{ port: 0 }], apps: [] };
    for (const options of [undefined, {}, { file: 'portico.json' }, { file: 5, baseDir: '/tmp' }]) {
      assert.throws(
        () => resolveConfig(input, options as unknown as Parameters<typeof resolveConfig>[1]),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'PORTICO_ERR_PORTICO_INVALID_OPTION');
          assert.match(error.message, /^resolveConfig\(input, options\): options\.(file|baseDir) must be a string: .*"file".*"baseDir"/);
          return true;
        },
      );
    }
  });
});
