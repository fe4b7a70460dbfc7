import { isToken } from './charTables.ts';
import { splitList } from './parseContentLength.ts';

/** The lower-case tokens of Connection lines (empty members skipped), or undefined when one is not a token. */
export function parseConnectionTokens(values: readonly string[]): string[] | undefined {
  const tokens: string[] = [];
  for (const member of splitList(values)) {
    if (member.length === 0) continue;
    if (!isToken(member)) return undefined;
    tokens.push(member.toLowerCase());
  }
  return tokens;
}
