import { isToken } from './charTables.ts';
import { splitList } from './parseContentLength.ts';

/** The lower-case tokens of Connection lines (empty members skipped), or undefined when one is not a token. */
export function parseConnectionTokens(values: readonly string[]): string[] | undefined {
  // The usual case, one line naming one option (keep-alive, close), without splitting.
  if (values.length === 1 && isToken(values[0]!)) return [values[0]!.toLowerCase()];
  const tokens: string[] = [];
  for (const member of splitList(values)) {
    if (member.length === 0) continue;
    if (!isToken(member)) return undefined;
    tokens.push(member.toLowerCase());
  }
  return tokens;
}
