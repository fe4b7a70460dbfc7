import { Type } from '@sinclair/typebox';
import { Defaulted, type Resolved } from './Resolved.ts';

/**
 * How the files of `stdoutLogEnabled` are written and which are kept. ANCM has no such settings;
 * the names are pm2-logrotate's where the concept is the same. The file a running process writes
 * is never deleted or compressed, whatever the limits say.
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
    maxFileBytes: Defaulted(
      Type.Integer({
        minimum: 1024,
        maximum: 1099511627776,
        description: 'A file is never larger than this many bytes: writing goes on in the next file of the process (`…_<pid>.1.log`, …), cut after a newline (pm2-logrotate\'s `max_size`).',
      }),
      10485760,
    ),
    retain: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: 100000,
        description: 'Files of this app kept on disk, over all its processes, the newest (pm2-logrotate\'s `retain`). Older ones are deleted when a process of the app opens a file or ends.',
      }),
      30,
    ),
    maxAge: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 315360000, description: 'Seconds: files last written longer ago are deleted (`604800` is a week). Without it, age is no reason to delete.' }),
    ),
    maxTotalBytes: Type.Optional(
      Type.Integer({ minimum: 1024, maximum: 1125899906842624, description: 'The oldest files are deleted while the app\'s files together are larger than this many bytes. Without it, size is no reason to delete.' }),
    ),
    toStdout: Defaulted(
      Type.Boolean({
        description:
          'Also write every line the app\'s processes print to Portico\'s own stdout, as a JSON line `{"app","worker","pid","stream","time","line"}`, for `kubectl logs` and journald. Independent of `stdoutLogEnabled`, which still decides the files. A process keeps the setting it started under: an app removed or changed by a reload has its last lines copied as it stops.',
      }),
      false,
    ),
    compress: Defaulted(
      Type.Boolean({ description: 'Gzip every file no process writes any more to `<name>.log.gz` (pm2-logrotate\'s `compress`), keeping its time; `zcat` reads it.' }),
      false,
    ),
  },
  { additionalProperties: false, default: {}, description: 'How the output files of `stdoutLogEnabled` are written and how many are kept (docs/logging.md).' },
);

export type StdoutLogConfig = Resolved<typeof StdoutLogSchema>;
