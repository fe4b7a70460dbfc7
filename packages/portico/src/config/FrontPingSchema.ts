import { Type } from '@sinclair/typebox';
import { Defaulted, type Resolved } from './Resolved.ts';

/** How the control process finds a front that is alive but hung (`pingFront`). */
export const FrontPingSchema = Type.Object(
  {
    interval: Defaulted(
      Type.Number({
        minimum: 0.05,
        maximum: 3600,
        description: 'Seconds between two pings of each front by the control process. IIS: `processModel@pingInterval` (30 s).',
      }),
      2,
    ),
    responseTime: Defaulted(
      Type.Number({
        minimum: 0.1,
        maximum: 3600,
        description:
          'Seconds a front may go without answering a ping before it is taken as hung (its event loop blocked), logged as `front.unresponsive`, killed and restarted; the other fronts serve on meanwhile. A starting front, until it listens, may go 30 s or three times this without answering, whichever is more. IIS: `processModel@pingResponseTime` (90 s).',
      }),
      10,
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'The control process pings every front process and replaces one that stops answering (docs/proxy.md, Fronts). Only with `fronts` above 1.',
  },
);

export type FrontPingConfig = Resolved<typeof FrontPingSchema>;
