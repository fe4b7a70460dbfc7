import type { OptionHelp } from './Command.ts';

/** `-c FILE | -a HOST:PORT`: how `status`, `reload` and `logs` find a running Portico. */
export const adminOptions = { config: { type: 'string', short: 'c' }, admin: { type: 'string', short: 'a' } } as const;

export const adminOptionHelp: readonly OptionHelp[] = [
  { flags: '-c, --config FILE', text: 'the config file Portico runs with; its `admin` section says where to ask' },
  { flags: '-a, --admin HOST:PORT', text: 'the admin endpoint, instead of -c (a bare PORT means 127.0.0.1)' },
];
