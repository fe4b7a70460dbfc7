/**
 * What kind of mistake a problem is, so tools and tests can branch on it:
 * `syntax` (the file does not parse), `type`, `range`, `enum`, `pattern`, `unknown-key`,
 * `missing`, `env` (an undefined variable), `duplicate`, `conflict` (keys that contradict each
 * other), `file` (a file or folder that does not exist), `refused` (a value the component that
 * uses it refuses when it is built: an authenticator, a worker pool, a TLS certificate and key).
 */
export type ConfigProblemKind =
  | 'syntax'
  | 'type'
  | 'range'
  | 'enum'
  | 'pattern'
  | 'unknown-key'
  | 'missing'
  | 'env'
  | 'duplicate'
  | 'conflict'
  | 'file'
  | 'refused';

/** One thing wrong with a config file. */
export interface ConfigProblem {
  readonly kind: ConfigProblemKind;
  /** The config file. */
  readonly file: string;
  /** Where in it, as `apps[0].startupTimeLimit`; empty for the whole file. */
  readonly path: string;
  /** The value found there; absent for a missing key. */
  readonly value?: unknown;
  /** What is wrong. */
  readonly message: string;
  /** What is allowed instead, when that can be said. */
  readonly allowed?: string;
  /** For a `syntax` problem: the line (from 1) of the place where the file stops parsing. */
  readonly line?: number;
  /** For a `syntax` problem: the column (from 1) of that place. */
  readonly column?: number;
  /** For a `syntax` problem: that line of the file, indented, and a `^` under the place. */
  readonly excerpt?: string;
}

const shown = (value: unknown): string => {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/**
 * `file: path: value: message; allowed: …` on one line; a syntax problem as `file:line:column:`
 * (the form editors and terminals open at the place), followed by the line and a caret.
 */
export function formatProblem(problem: ConfigProblem): string {
  const place = problem.line === undefined ? '' : `:${problem.line}:${problem.column ?? 1}`;
  const where = problem.path === '' ? `${problem.file}${place}` : `${problem.file}: ${problem.path}`;
  const value = 'value' in problem && problem.kind !== 'unknown-key' && problem.kind !== 'missing' ? ` = ${shown(problem.value)}` : '';
  const allowed = problem.allowed === undefined ? '' : `; allowed: ${problem.allowed}`;
  return `${where}${value}: ${problem.message}${allowed}${problem.excerpt === undefined ? '' : `\n${problem.excerpt}`}`;
}
