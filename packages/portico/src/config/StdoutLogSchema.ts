import { Type } from '@sinclair/typebox';
import { Defaulted, type Resolved } from './Resolved.ts';

/**
 * How the files of `stdoutLogEnabled` are written. ANCM has no such settings; the names are
 * pm2-logrotate's where the concept is the same.
 */
export const StdoutLogSchema = Type.Object(
  {
    timestamps: Defaulted(
      Type.Boolean({
        description:
          'Prefix every line in the files with the time it arrived, ISO 8601 in UTC with milliseconds, and a space (`2026-11-24T12:19:12.345Z started`). Off, the files hold exactly the bytes the backend wrote.',
      }),
      false,
    ),
  },
  { additionalProperties: false, default: {}, description: 'How the output files of `stdoutLogEnabled` are written (docs/logging.md).' },
);

export type StdoutLogConfig = Resolved<typeof StdoutLogSchema>;
