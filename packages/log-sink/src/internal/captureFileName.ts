/**
 * `<prefix>_<yyyyMMddHHmmss>_<pid>.log` for the first file of a process (the time in UTC, as the
 * ASP.NET Core Module names its stdout logs), then `<prefix>_<yyyyMMddHHmmss>_<pid>.<n>.log`
 * for n = 1, 2, … as the output rotates: the highest number is the newest file.
 */
export function captureFileName(prefix: string, startedAt: Date, pid: number, index: number): string {
  const d = startedAt;
  const stamp =
    String(d.getUTCFullYear()).padStart(4, '0') +
    two(d.getUTCMonth() + 1) +
    two(d.getUTCDate()) +
    two(d.getUTCHours()) +
    two(d.getUTCMinutes()) +
    two(d.getUTCSeconds());
  return `${prefix}_${stamp}_${pid}${index === 0 ? '' : `.${index}`}.log`;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}
