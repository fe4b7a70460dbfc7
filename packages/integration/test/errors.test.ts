import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as exported from '../src/index.ts';
import { InvalidOptionError, integrationErrors, PorticoIntegrationError } from '../src/errors.ts';

// The root errors test sees only codes registered through @portico/errors; this package has no
// dependencies, so it checks its own.
describe('errors', () => {
  it('documents every code in docs/errors.md with its name', async () => {
    const doc = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## @portico/integration'));
    const missing = integrationErrors
      .filter((e) => !section.includes(`| \`${e.code}\` | \`${e.errorName}\` |`))
      .map((e) => `${e.code} (${e.errorName})`);
    assert.deepEqual(missing, [], 'add a row "| `CODE` | `Name` | when |" to the @portico/integration section');
  });

  it('gives every code the package prefix, once', () => {
    const codes = integrationErrors.map((e) => e.code);
    for (const code of codes) assert.match(code, /^PORTICO_ERR_INTEGRATION_[A-Z0-9_]+$/);
    assert.equal(new Set(codes).size, codes.length);
  });

  it('lists every exported error class', () => {
    const classes = Object.values(exported).filter((value) => typeof value === 'function' && 'code' in value);
    assert.deepEqual(new Set(classes), new Set(integrationErrors));
  });

  it('makes errors with code, name, message and the brand that @portico/errors checks', () => {
    const error = new InvalidOptionError('port', 'must be a whole number');
    assert.equal(error.code, 'PORTICO_ERR_INTEGRATION_INVALID_OPTION');
    assert.equal(error.name, 'InvalidOptionError');
    assert.equal(error.message, 'option "port" must be a whole number');
    assert.ok(error instanceof PorticoIntegrationError);
    assert.ok(Symbol.for('portico.error') in error);
  });
});
