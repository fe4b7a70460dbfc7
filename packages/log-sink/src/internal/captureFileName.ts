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

/**
 * Matches the names `captureFileName` gives under `prefix`'s folder, and the same names with
 * `.gz` after compression. The stamp and pid must follow the prefix at once, so the files of an
 * app named `shop` never match those of `shop_x` or `shop-eu`.
 */
export function captureFilePattern(prefixBaseName: string): RegExp {
  const escaped = prefixBaseName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped}_\\d{14}_\\d+(?:\\.\\d+)?\\.log(\\.gz)?$`);
}
