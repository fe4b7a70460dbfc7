import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { definedErrors } from '@portico/errors';

// Loading every package defines every error code it owns.
const packages = [
  '@portico/supervisor',
  '@portico/log-sink',
  '@portico/worker-actor',
  '@portico/auth-forwarder',
  '@portico/router',
  '@portico/listener',
  '@portico/testkit',
  '@portico/portico',
];

describe('error codes', () => {
  before(async () => {
    for (const name of packages) await import(name);
  });

  it('exports every error class under its name, with the Error suffix (docs/architecture.md, Conventions)', async () => {
    const nameOf = new Map(definedErrors().map((e) => [e.code, e.name]));
    const misnamed: string[] = [];
    for (const name of packages) {
      for (const [exported, value] of Object.entries((await import(name)) as Record<string, unknown>)) {
        const code = typeof value === 'function' ? (value as { code?: unknown }).code : undefined;
        if (typeof code !== 'string' || !nameOf.has(code)) continue;
        if (exported !== nameOf.get(code) || !exported.endsWith('Error')) misnamed.push(`${name} exports ${nameOf.get(code)} as ${exported}`);
      }
    }
    assert.deepEqual(misnamed, []);
  });

  it('documents every defined code in docs/errors.md with its name', async () => {
    const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const missing = definedErrors()
      .filter((e) => !e.code.startsWith('PORTICO_ERR_TEST_'))
      .filter((e) => !doc.includes(`| \`${e.code}\` | \`${e.name}\` |`))
      .map((e) => `${e.code} (${e.name})`);
    assert.deepEqual(missing, [], 'add a row "| `CODE` | `Name` | when |" to docs/errors.md');
  });

  it('gives every code the PORTICO_ERR_ prefix and an upper-case snake name', () => {
    for (const { code } of definedErrors()) assert.match(code, /^PORTICO_ERR_[A-Z0-9_]+$/);
  });
});
