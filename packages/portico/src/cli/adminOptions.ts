import type { OptionHelp } from './Command.ts';

/** `-c FILE | -a HOST:PORT`: how `status`, `reload` and `logs` find a running Portico. */
export const adminOptions = { config: { type: 'string', short: 'c' }, admin: { type: 'string', short: 'a' } } as const;

export const adminOptionHelp: readonly OptionHelp[] = [
  { flags: '-c, --config FILE', text: 'the config file Portico runs with; asks over its admin socket (`admin.socket`)' },
  { flags: '-a, --admin HOST:PORT', text: 'the admin endpoint, instead of -c: HOST:PORT, a bare PORT (127.0.0.1), the http://HOST:PORT/ address portico start printed, or the PATH of its socket (with a /); over TCP the token is read from PORTICO_ADMIN_TOKEN' },
];

/**
 * The options of the commands that wait for Portico to act (`reload`, `restart`, `stop`, `start`):
 * the admin options and `--timeout SECONDS`, the silence they bear (see `silenceLimit`).
 */
export const waitOptions = { ...adminOptions, timeout: { type: 'string' } } as const;

export const waitOptionHelp: readonly OptionHelp[] = [
  ...adminOptionHelp,
  { flags: '--timeout SECONDS', text: 'give up when Portico says nothing for this long, from 2 to 3600 (default 10); it says it is still at work every second, so a slow rollout is waited for to its end' },
];
