/** A wrong command line: printed with a pointer to `--help`, exit status 2. Not a coded error: it never leaves the CLI. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
