import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
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
      return { problems: [{ kind: 'syntax', path: [], message: `is not valid JSON: ${(error as Error).message}` }] };
    }
  }
  // YAML 1.2 core schema: `yes`/`no`/`on` stay strings, unlike YAML 1.1; repeated keys are errors.
  const lines = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => {
        const line = lines.linePos(error.pos[0]);
        return { kind: 'syntax' as const, path: [], message: `is not valid YAML at line ${line.line}, column ${line.col}: ${error.message.split('\n')[0]}` };
      }),
    };
  }
  return { value: document.toJS({ maxAliasCount: 100 }) as unknown };
}
