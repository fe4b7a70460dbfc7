import { Type } from '@sinclair/typebox';
import { Defaulted, type Resolved } from './Resolved.ts';

/** The admin endpoint: liveness, readiness, status and reload for operators and orchestrators. */
export const AdminSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535, description: 'TCP port of the admin endpoint.' }),
    host: Defaulted(
      Type.String({ minLength: 1, description: 'Address to bind. Loopback by default: the admin endpoint can stop and reload apps.' }),
      '127.0.0.1',
    ),
  },
  {
    additionalProperties: false,
    description: 'The admin endpoint (health, status, reload). Without it, `portico status` and `portico reload` cannot reach the server.',
  },
);

export type AdminConfig = Resolved<typeof AdminSchema>;
