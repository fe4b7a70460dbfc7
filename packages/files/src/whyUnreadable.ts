/** Why an open, stat or read failed, with what to check: `cannot be read (ELOOP: a loop of symbolic links)`. */
export function whyUnreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  return `cannot be read (${code}${hints[code] ?? ''})`;
}

const hints: Readonly<Record<string, string>> = {
  EACCES: ': no read permission for the user Portico runs as',
  EPERM: ': no read permission for the user Portico runs as',
  ELOOP: ': a loop of symbolic links',
};
