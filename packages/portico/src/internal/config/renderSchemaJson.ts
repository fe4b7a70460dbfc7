import { PorticoConfigSchema } from '../../config/PorticoConfigSchema.ts';

/**
 * `schema/portico.schema.json`: the config schema for editors (VS Code, the YAML language
 * server). TypeBox schemas are JSON Schema already; only the draft is added.
 */
export function renderSchemaJson(): string {
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...PorticoConfigSchema }, null, 2)}\n`;
}
