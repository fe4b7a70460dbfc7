import { Type } from '@sinclair/typebox';
import { Defaulted, type Resolved } from './Resolved.ts';

/**
 * What clients of the admin endpoint's TCP port may hold (docs/admin.md, What a client without
 * the token can hold): the embedder's `AdminConnectionLimits`, in the config file's units.
 */
export const AdminLimitsSchema = Type.Object(
  {
    maxConnections: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: 100000,
        description:
          'Most connections open at once on the admin TCP port, with the token or not. One more closes the oldest connection still waiting for a request with the token, between its requests (a reply being written is not cut, unless it has been under way for `headersTimeout`); when there is none (every one has sent the token, as follows of the logs and live pages have, or is being answered), it is itself closed at accept. Each is a file descriptor of the control process. nginx: `worker_connections 512`.',
      }),
      512,
    ),
    maxUnadmitted: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: 100000,
        description:
          'Most connections with no request that carried the token yet (probes and the page\'s shell admit nothing). Past it, a new connection closes the oldest of them once it has waited a tenth of `headersTimeout` (at most a second), so a flood of connections that send nothing pushes out its own.',
      }),
      64,
    ),
    headersTimeout: Defaulted(
      Type.Number({
        minimum: 1,
        maximum: 300,
        description:
          'Seconds a request head may take on the admin endpoint (TCP and the unix socket), from the accept for a connection\'s first; then 408 and the connection closes. At most 300, Node\'s limit for a whole request. nginx: `client_header_timeout`.',
      }),
      10,
    ),
  },
  { additionalProperties: false, description: 'Limits of the admin endpoint\'s TCP port against clients without the token. The unix socket, which only Portico\'s user (and `socketGroup`) can open, has no count limits.' },
);

export type AdminLimitsConfig = Resolved<typeof AdminLimitsSchema>;
