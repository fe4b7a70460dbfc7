// Writes schema/portico.schema.json from the config schema; test/config/generated.test.ts fails when it is stale.
import { writeFile } from 'node:fs/promises';
import { renderSchemaJson } from '../src/internal/config/renderSchemaJson.ts';

const target = new URL('../schema/portico.schema.json', import.meta.url);
await writeFile(target, renderSchemaJson());
console.log(`wrote ${target.pathname}`);
