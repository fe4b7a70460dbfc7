import { isRecord, type RawProblem } from './walkSchema.ts';

/** Linux's MAX_ARG_STRLEN (32 pages) less the terminating NUL: the longest one argument or `NAME=value`. */
const maxString = 131_071;
/**
 * What one app's own arguments and variables may add up to: half of Linux's usual ARG_MAX (2 MiB),
 * macOS's whole, leaving the rest for Portico's own environment, which every backend inherits.
 */
const maxTotal = 1_048_576;
/**
 * What the kernel counts against the same limit for each argument and variable besides its bytes:
 * its pointer in argv or envp (fs/exec.c, `bprm_stack_limits`). 140,000 variables of 7 bytes are
 * 980,000 bytes of strings, and 2 MB with their pointers: a spawn fails with E2BIG.
 */
const pointerBytes = 8;

const figure = (n: number): string => n.toLocaleString('en-US');

/**
 * Arguments and environment variables the system would refuse to start a process with (E2BIG):
 * `check` accepted them and then every start of the app failed. Runs on a config whose
 * `arguments` are already split into a list; skips whatever has the wrong shape.
 */
export function checkSpawnSizes(config: Record<string, unknown>): RawProblem[] {
  const out: RawProblem[] = [];
  const apps = Array.isArray(config['apps']) ? config['apps'] : [];
  for (const [j, app] of apps.entries()) {
    if (!isRecord(app)) continue;
    const strings: [(string | number)[], number, string][] = [];
    if (typeof app['processPath'] === 'string') strings.push([['processPath'], Buffer.byteLength(app['processPath']) + 1, 'the program']);
    if (Array.isArray(app['arguments'])) {
      for (const [i, argument] of app['arguments'].entries()) if (typeof argument === 'string') strings.push([['arguments', i], Buffer.byteLength(argument) + 1, 'an argument']);
    }
    const variables = app['environmentVariables'];
    if (isRecord(variables)) {
      for (const [name, value] of Object.entries(variables)) {
        if (typeof value === 'string') strings.push([['environmentVariables', name], Buffer.byteLength(`${name}=${value}`) + 1, `${name}=value`]);
      }
    }
    let total = 0;
    for (const [path, bytes, what] of strings) {
      total += bytes + pointerBytes;
      if (bytes - 1 > maxString && what !== 'the program') {
        out.push({
          kind: 'range',
          path: ['apps', j, ...path],
          message: `is ${figure(bytes - 1)} bytes as ${what}, past the ${figure(maxString)} one argument or variable may have: every start would fail (E2BIG)`,
          allowed: 'a shorter value; pass large data in a file',
        });
      }
    }
    if (total > maxTotal) {
      out.push({
        kind: 'range',
        path: ['apps', j],
        message: `gives each process ${figure(total)} bytes of arguments and environment variables, counted as the system counts them (each one's bytes and its pointer, ${pointerBytes} bytes), past the ${figure(maxTotal)} Portico allows: the system refuses a start past its limit (E2BIG), and Portico's own environment counts too`,
        allowed: 'fewer or shorter arguments and variables; pass large data in a file',
      });
    }
  }
  return out;
}
