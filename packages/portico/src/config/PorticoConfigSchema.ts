import { Type, type Static } from '@sinclair/typebox';
import { AdminSchema } from './AdminSchema.ts';
import { AppSchema } from './AppSchema.ts';
import { LimitsSchema } from './LimitsSchema.ts';
import { ListenerSchema } from './ListenerSchema.ts';
import { Defaulted, type Resolved } from './Resolved.ts';

/**
 * The whole `portico` configuration, as one JSON Schema: the source of the TypeScript types,
 * the validation, the defaults, `schema/portico.schema.json` and `docs/config.md`.
 */
export const PorticoConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'Where editors find this schema; ignored by Portico.' })),
    listen: Type.Array(ListenerSchema, { minItems: 1, description: 'The front sockets, HTTP or HTTPS.' }),
    limits: Defaulted(LimitsSchema, {}),
    admin: Type.Optional(AdminSchema),
    watch: Defaulted(Type.Boolean({ description: 'Reload when this file changes, as `portico reload` would.' }), false),
    apps: Type.Array(AppSchema, { minItems: 1, description: 'The backend applications.' }),
  },
  { additionalProperties: false, title: 'Portico configuration' },
);

/** What a config file may say: defaulted keys optional, `arguments` a string or a list. */
export type PorticoConfigInput = Static<typeof PorticoConfigSchema>;

/** A loaded config: every default applied, every path absolute, frozen. */
export type PorticoConfig = Resolved<typeof PorticoConfigSchema>;
