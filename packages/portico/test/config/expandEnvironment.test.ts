import assert from 'node:assert/strict';
import { loadConfig } from '@portico/portico';
import { expandString } from '../../src/internal/config/expandEnvironment.ts';
import { at, configFolder, minimal, problemsOf } from './fixtures.ts';

const env = { APP: 'shop', EMPTY: '', PORT: '8081', FLAG: 'true' };

describe('expandEnvironment', () => {
  it('expands %VAR% as ANCM does', () => {
    assert.equal(expandString('%APP%/bin', env).value, 'shop/bin');
  });

  it('expands ${VAR}', () => {
    assert.equal(expandString('/srv/${APP}/x', env).value, '/srv/shop/x');
  });

  it('uses the default of ${VAR:-default} when the variable is unset or empty', () => {
    assert.equal(expandString('${NOPE:-dev}-${EMPTY:-fallback}-${APP:-other}', env).value, 'dev-fallback-shop');
  });

  it('names every undefined variable without a default', () => {
    assert.deepEqual(expandString('%A% ${B} ${C:-c}', env).missing, ['A', 'B']);
  });

  it('reads %% and $$ as literal characters and keeps a % or $ that starts no reference', () => {
    assert.equal(expandString('100%% $$HOME 50% off $5 %not a var% ${1x}', env).value, '100% $HOME 50% off $5 %not a var% ${1x}');
  });

  it('expands strings in a loaded config and converts expanded numbers and booleans where the schema wants them', async () => {
    const folder = await configFolder();
    try {
      const file = await folder.write(
        'p.json',
        JSON.stringify({ listen: [{ port: '${PORT}' }], watch: '${FLAG}', apps: [{ name: '%APP%', processPath: 'node', environmentVariables: { PORT_TEXT: '${PORT}' } }] }),
      );
      const config = await loadConfig(file, { env });
      assert.equal(config.listen[0]!.port, 8081);
      assert.equal(config.watch, true);
      assert.equal(config.apps[0]!.name, 'shop');
      assert.equal(config.apps[0]!.environmentVariables['PORT_TEXT'], '8081', 'a string stays a string');
    } finally {
      await folder.remove();
    }
  });

  it('leaves a number written in quotes a type error', async () => {
    const folder = await configFolder();
    try {
      const problems = await problemsOf(loadConfig(await folder.write('p.json', minimal({}, { listen: [{ port: '8080' }] })), { env }));
      assert.equal(at(problems, 'listen[0].port')?.kind, 'type');
    } finally {
      await folder.remove();
    }
  });

  it('reports an undefined variable once, not also as the wrong type', async () => {
    const folder = await configFolder();
    try {
      const problems = await problemsOf(loadConfig(await folder.write('p.json', minimal({}, { listen: [{ port: '${NO_PORT}' }] })), { env }));
      assert.deepEqual(problems.map((p) => [p.kind, p.path]), [['env', 'listen[0].port']]);
      assert.match(problems[0]!.message, /NO_PORT, which is not set/);
    } finally {
      await folder.remove();
    }
  });

  it('does not expand keys', async () => {
    const folder = await configFolder();
    try {
      const config = await loadConfig(await folder.write('p.json', minimal({ environmentVariables: { '%APP%': 'x' } })), { env });
      assert.deepEqual(Object.keys(config.apps[0]!.environmentVariables), ['%APP%']);
    } finally {
      await folder.remove();
    }
  });
});
