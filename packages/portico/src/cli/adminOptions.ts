import type { OptionHelp } from './Command.ts';

/** `-c FILE | -a HOST:PORT`: how `status`, `reload` and `logs` find a running Portico. */
export const adminOptions = { config: { type: 'string', short: 'c' }, admin: { type: 'string', short: 'a' } } as const;

export const adminOptionHelp: readonly OptionHelp[] = [
  { flags: '-c, --config FILE', text: 'the config file Portico runs with; asks over its admin socket (`admin.socket`)' },
  { flags: '-a, --admin HOST:PORT', text: 'the admin endpoint, instead of -c: HOST:PORT, a bare PORT (127.0.0.1), the http://HOST:PORT/ address portico start printed, or the PATH of its socket (with a /); over TCP the token is read from PORTICO_ADMIN_TOKEN' },
];
