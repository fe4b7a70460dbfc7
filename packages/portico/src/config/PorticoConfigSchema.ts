import { Type, type Static } from '@sinclair/typebox';
import { AdminSchema } from './AdminSchema.ts';
import { AppSchema } from './AppSchema.ts';
import { FrontPingSchema } from './FrontPingSchema.ts';
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
    fronts: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 256 }), Type.Literal('auto')], {
        description:
          'Front processes serving the `listen` entries, each accepting its own connections from the same sockets beside one control process (docs/architecture.md, One control process, several fronts). `auto`: one per CPU. `1` serves in one process. Default: `auto` for `portico start`, 1 for `createPortico`. nginx: `worker_processes`.',
      }),
    ),
    frontPing: Defaulted(FrontPingSchema, {}),
    frontGc: Defaulted(
      Type.Union([Type.Literal('single-threaded'), Type.Literal('parallel')], {
        description:
          "How each front process's V8 collects garbage. `single-threaded`: on the front's own thread (Node's `--single-threaded-gc`), as nginx's workers do all their work on one; N fronts already fill N cores, and V8's helper threads only compete with the other fronts for them (shorter collections under load, docs/proxy.md, Fronts). `parallel`: V8's default, helper threads beside each front, for a machine with cores to spare. Only with `fronts` above 1.",
      }),
      'single-threaded',
    ),
    admin: Type.Optional(AdminSchema),
    watch: Defaulted(Type.Boolean({ description: 'Reload when this file changes, as `portico reload` would, however it is saved: written in place, replaced by a rename (an editor\'s atomic save, `sed -i`), deleted and written again, or a symlink in its folder pointed elsewhere (a Kubernetes ConfigMap). A change counts once the file has been quiet for 0.5 s and the content differs from the last one seen; other files written in its folder (an app\'s log) put nothing off, a file that is gone leaves the running config in force, and one swapped for what is no config (a FIFO, a device, a folder, a file past 16 MiB, one Portico may not read) is refused once with `config.reload_failed`, which says what it is, without being read; the running config stays in force.' }), false),
    sampleInterval: Defaulted(
      Type.Number({
        minimum: 0,
        maximum: 3600,
        description:
          'Seconds between two readings of what each worker\'s process tree costs (CPU, resident memory, open file descriptors, from `/proc`), shown by `portico status`, `/status`, `/metrics` and the live page and used by `recycling.memory`; `0` turns sampling off. PM2 reads every 30 s (`PM2_WORKER_INTERVAL`), Passenger\'s `passenger-status` when asked. Not on macOS, which has no `/proc` (docs/worker.md).',
      }),
      5,
    ),
    apps: Type.Array(AppSchema, { minItems: 1, description: 'The backend applications.' }),
  },
  { additionalProperties: false, title: 'Portico configuration' },
);

/** What a config file may say: defaulted keys optional, `arguments` a string or a list. */
export type PorticoConfigInput = Static<typeof PorticoConfigSchema>;

/** A loaded config: every default applied, every path absolute, frozen. */
export type PorticoConfig = Resolved<typeof PorticoConfigSchema>;
