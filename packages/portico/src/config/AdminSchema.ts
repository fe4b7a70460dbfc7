import { Type } from '@sinclair/typebox';
import { bindAddressAllowed, bindAddressPattern } from './ListenerSchema.ts';
import { Defaulted, type Resolved } from './Resolved.ts';

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
  },
  {
    additionalProperties: false,
    description: 'The admin endpoint (health, status, reload). Without it, `portico status` and `portico reload` cannot reach the server.',
  },
);

export type AdminConfig = Resolved<typeof AdminSchema>;
