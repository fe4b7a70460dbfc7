/** Bit set by {@link foldFlags}: the name has an upper-case letter. */
export const hasUpper = 1;
/** Bit set by {@link foldFlags}: the name has `_` or `.`. */
export const hasSeparator = 2;

/** What folding would change in a name; a char loop, cheaper than a regex on short names. */
export function foldFlags(name: string): number {
  let flags = 0;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 65 && code <= 90) flags |= hasUpper;
    else if (code === 95 || code === 46) flags |= hasSeparator;
  }
  return flags;
}

const separators = /[_.]/g;

/**
 * Lower-cases a header name and maps `_` and `.` to `-`, the way CGI/WSGI/PHP backends fold
 * names (gunicorn#2799, oauth2-proxy CVE-2025-64484, Traefik GHSA-rf44-j88r-hh8c). Returns the
 * very same string when there is nothing to fold, so the common path allocates nothing.
 */
export function normaliseHeaderName(name: string, flags: number = foldFlags(name)): string {
  if (flags === 0) return name;
  const lower = name.toLowerCase();
  return (flags & hasSeparator) === 0 ? lower : lower.replace(separators, '-');
}
