import { Type } from '@sinclair/typebox';
import { AdminLimitsSchema } from './AdminLimitsSchema.ts';
import { bindAddressAllowed, bindAddressPattern } from './ListenerSchema.ts';
import { Defaulted, Derived, type Resolved } from './Resolved.ts';

/** The admin endpoint: liveness, readiness, status and reload for operators and orchestrators. */
export const AdminSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535, description: 'TCP port of the admin endpoint.' }),
    host: Defaulted(
      Type.String({ pattern: bindAddressPattern, 'x-portico-allowed': bindAddressAllowed, description: 'Address to bind. Loopback by default: the admin endpoint can stop and reload apps.' }),
      '127.0.0.1',
    ),
    allowedHosts: Defaulted(
      Type.Array(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9.:\\[\\]-]+$', 'x-portico-allowed': 'host names or addresses, without port' }), {
        description:
          'Host names requests to the admin endpoint may carry besides loopback ones and `host` (e.g. the pod IP an orchestrator\'s probes use). Other Host values are refused, against DNS rebinding.',
      }),
      [],
    ),
    socket: Derived(
      Type.String({
        pattern: '^[^\\u0000]+$',
        'x-portico-allowed': 'a path without NUL',
        'x-portico-path': 'prefix',
        description:
          'Unix socket of the admin endpoint: what `portico status`, `reload` and `logs -c FILE` use. Only Portico\'s user may connect (mode 0600, in a folder of mode 0700 that Portico creates), or also `socketGroup` (0660 and 0750). No token is asked on it: the file mode is the access control.',
      }),
      '`portico-<hash of the config file\'s path>/admin.sock` in the temporary folder (`$TMPDIR` or `/tmp`)',
    ),
    socketGroup: Type.Optional(
      Type.Union([Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' }), Type.Integer({ minimum: 0, maximum: 4294967294 })], {
        'x-portico-allowed': 'a group name or number',
        description: 'A group whose members may use the admin socket too (mode 0660, folder 0750). Portico\'s user must be a member.',
      }),
    ),
    tokenFile: Type.Optional(
      Type.String({
        minLength: 1,
        'x-portico-path': 'file',
        description:
          'File holding the bearer token that TCP requests must carry (`Authorization: Bearer …`), except `/healthz`, `/readyz`, the status page at `/` and its chart library (where a token sent must still be this one). At least 32 characters of letters, digits and `-._~`. Without `tokenFile` or `tokenEnv`, Portico makes a random token at start and writes it to `admin-token` beside the socket (mode 0600).',
      }),
    ),
    tokenEnv: Type.Optional(
      Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Name of the environment variable holding the bearer token, instead of `tokenFile`.' }),
    ),
    limits: Defaulted(AdminLimitsSchema, {}),
  },
  {
    additionalProperties: false,
    description: 'The admin endpoint (health, status, reload). Without it, `portico status` and `portico reload` cannot reach the server.',
  },
);

export type AdminConfig = Resolved<typeof AdminSchema>;
