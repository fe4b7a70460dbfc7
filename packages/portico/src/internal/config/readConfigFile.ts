import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { locateJsonError } from './locateJsonError.ts';
import { sourcePlace } from './sourceExcerpt.ts';
import type { RawProblem } from './walkSchema.ts';

/** The parsed file, or the problems that stopped it from parsing (every YAML error, with its line). */
export async function readConfigFile(file: string): Promise<{ value: unknown } | { problems: RawProblem[] }> {
  const extension = extname(file).toLowerCase();
  if (extension !== '.json' && extension !== '.yaml' && extension !== '.yml') {
    return { problems: [{ kind: 'syntax', path: [], message: `has the extension "${extension}", so its format is unknown`, allowed: 'a .json, .yaml or .yml file' }] };
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { problems: [{ kind: 'file', path: [], message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, allowed: 'a readable file' }] };
  }
  if (extension === '.json') {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch (error) {
      const found = locateJsonError(text);
      if (!found) return { problems: [{ kind: 'syntax', path: [], message: `is not valid JSON: ${(error as Error).message}` }] };
      return { problems: [syntaxProblem('JSON', text, found.offset, found.reason)] };
    }
  }
  // YAML 1.2 core schema: `yes`/`no`/`on` stay strings, unlike YAML 1.1; repeated keys are errors.
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => syntaxProblem('YAML', text, error.pos[0], yamlReason(error.message))),
    };
  }
  return { value: document.toJS({ maxAliasCount: 100 }) as unknown };
}

function syntaxProblem(format: 'JSON' | 'YAML', text: string, offset: number, reason: string): RawProblem {
  const { line, column, excerpt } = sourcePlace(text, offset);
  return { kind: 'syntax', path: [], message: `is not valid ${format} at line ${line}, column ${column}: ${reason}`, line, column, excerpt };
}

/** The yaml library's first line, without the `at line L, column C` that the problem already says. */
function yamlReason(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
