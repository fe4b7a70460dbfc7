import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { renderConfigDocs } from '../../src/internal/config/renderConfigDocs.ts';
import { renderSchemaJson } from '../../src/internal/config/renderSchemaJson.ts';

describe('generated files', () => {
  it('keeps schema/portico.schema.json up to date with the schema', async () => {
    const file = await readFile(new URL('../../schema/portico.schema.json', import.meta.url), 'utf8');
    assert.ok(file === renderSchemaJson(), 'schema/portico.schema.json is stale: run "pnpm --filter @portico/portico gen:schema"');
  });

  it('keeps docs/config.md up to date with the schema', async () => {
    const file = await readFile(new URL('../../../../docs/config.md', import.meta.url), 'utf8');
    assert.ok(file === renderConfigDocs(), 'docs/config.md is stale: run "pnpm --filter @portico/portico gen:docs"');
  });

  it('documents every key of the schema in docs/config.md', async () => {
    const schema = JSON.parse(renderSchemaJson()) as unknown;
    const keys = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(collect);
      if (node === null || typeof node !== 'object') return;
      const properties = (node as { properties?: Record<string, unknown> }).properties;
      if (properties) for (const key of Object.keys(properties)) keys.add(key);
      Object.values(node).forEach(collect);
    };
    collect(schema);
    keys.delete('$schema');
    const docs = renderConfigDocs();
    const missing = [...keys].filter((key) => !docs.includes(`| \`${key}\` |`));
    assert.deepEqual(missing, []);
  });
});
