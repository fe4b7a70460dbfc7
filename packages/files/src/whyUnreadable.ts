/** Why an open, stat or read failed, with what to check: `cannot be read (ELOOP: a loop of symbolic links)`. */
export function whyUnreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  return `cannot be read (${code}${hints[code] ?? ''})`;
}

const hints: Readonly<Record<string, string>> = {
  // An open refused for a folder on the path without search permission fails with the same code as
  // for the file's own mode, which then looks right.
  EACCES: ': the user Portico runs as may not read the file, or may not search (x) a folder on its path',
  EPERM: ': the user Portico runs as may not read the file, or may not search (x) a folder on its path',
  ELOOP: ': a loop of symbolic links',
};
