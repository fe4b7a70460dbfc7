// Writes docs/config.md from the config schema; test/config/generated.test.ts fails when it is stale.
import { writeFile } from 'node:fs/promises';
import { renderConfigDocs } from '../src/internal/config/renderConfigDocs.ts';

const target = new URL('../../../docs/config.md', import.meta.url);
await writeFile(target, renderConfigDocs());
console.log(`wrote ${target.pathname}`);
