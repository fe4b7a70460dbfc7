/**
 * The options of `portico start` that take a value, long and short: all but `--help`. The
 * launcher reads them before any module loads, so they are written out here; cli.test.ts checks
 * them against startCommand's.
 */
export const startValueOptions = ['config', 'admin', 'timeout', 'log-level', 'log-format'];
export const startShortValueOptions = { c: 'config', a: 'admin' };

/**
 * Whether `portico ARGS` runs the server, `portico start -c FILE [options]`, and not
 * `portico start [options] APP`, which asks a running Portico to start an app: an argument that
 * is neither an option nor an option's value is the app. Parsed as node:util's parseArgs does
 * (`--name=value`, `-cFILE`, `-hc FILE`, `--` before positionals).
 */
export function startsServer(args) {
  if (args[0] !== 'start') return false;
  for (let i = 1; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') return i === args.length - 1;
    if (arg.startsWith('--')) {
      if (!arg.includes('=') && startValueOptions.includes(arg.slice(2))) i++;
    } else if (arg.startsWith('-') && arg.length > 1) {
      // In a group of short options, the first that takes a value takes the rest of the group,
      // or, when it is the last, the next argument.
      const letters = arg.slice(1);
      const at = [...letters].findIndex((letter) => letter in startShortValueOptions);
      if (at === letters.length - 1) i++;
    } else {
      return false;
    }
  }
  return true;
}
