import { extname } from 'node:path';
import { readRegularFile } from '@portico/files';
import { isAlias, isCollection, isMap, isScalar, parseDocument, visit, type Alias, type Document, type Pair, type YAMLError } from 'yaml';
import { locateJsonError } from './locateJsonError.ts';
import { sourcePlace } from './sourceExcerpt.ts';
import type { RawProblem } from './walkSchema.ts';

/** Far above any config's size; a file past it is not a config (a log, a dump named `.json`). */
export const maxConfigBytes = 16 * 1024 * 1024;
/** Far deeper than any config nests (`apps[0].auth.claims` is four); deeper only a mistake or an attack goes. */
const maxDepth = 32;
/**
 * Far more YAML anchors and aliases (`&name`, `*name`) than any config uses (a few, for defaults
 * shared by apps). The yaml library resolves each alias by scanning every anchor and alias before
 * it, so its conversion grows with their square: 20 000 anchors each aliased once took 31 s on a
 * loaded machine, and the 16 MiB Portico reads could hold it for hours. At this bound, under a
 * million steps.
 */
const maxAnchorsAndAliases = 1000;

/** The parsed file, or the problems that stopped it from parsing (every YAML error, with its line). */
export async function readConfigFile(file: string): Promise<{ value: unknown } | { problems: RawProblem[] }> {
  const extension = extname(file).toLowerCase();
  if (extension !== '.json' && extension !== '.yaml' && extension !== '.yml') {
    return { problems: [{ kind: 'syntax', path: [], message: `has the extension "${extension}", so its format is unknown`, allowed: 'a .json, .yaml or .yml file' }] };
  }
  // Only a regular file: a FIFO would block the read until a writer came, /dev/zero be read until
  // memory ran out (readRegularFile).
  const read = await readRegularFile(file, maxConfigBytes);
  if ('problem' in read) return { problems: [{ kind: 'file', path: [], message: read.problem, allowed: 'a readable file' }] };
  const notUtf8 = decodeUtf8(read.bytes);
  if ('offset' in notUtf8) {
    const { line, column, excerpt } = sourcePlace(notUtf8.text, notUtf8.offset);
    const message = `is not UTF-8 at line ${line}, column ${column}: the byte 0x${notUtf8.byte} starts no UTF-8 character; save the file as UTF-8`;
    return { problems: [{ kind: 'syntax', path: [], message, line, column, excerpt }] };
  }
  // A byte order mark (Notepad's UTF-8) is not part of the text: JSON.parse refused it, and
  // columns on the first line are counted as an editor shows them, without it.
  const text = notUtf8.text.charCodeAt(0) === 0xfeff ? notUtf8.text.slice(1) : notUtf8.text;
  const parsed = extension === '.json' ? parseJson(text) : parseYaml(text);
  if ('problems' in parsed) return parsed;
  if (nestsDeeperThan(parsed.value, maxDepth)) {
    const why = extension === '.json' ? '' : ' (a YAML alias inside the node it names nests without end)';
    return { problems: [{ kind: 'syntax', path: [], message: `nests deeper than ${maxDepth} levels, which no Portico config does${why}` }] };
  }
  return parsed;
}

/**
 * The text, or where it stops being UTF-8. Node's decoder puts U+FFFD in place of a byte that is
 * not UTF-8 and says nothing, so a path or argument written in Latin-1 (`/srv/café`) reached the
 * backend as something else. The first byte that does not survive a round trip is the place.
 */
function decodeUtf8(bytes: Buffer): { text: string } | { text: string; offset: number; byte: string } {
  const text = bytes.toString('utf8');
  const again = Buffer.from(text, 'utf8');
  if (again.equals(bytes)) return { text };
  let at = 0;
  while (at < bytes.length && bytes[at] === again[at]) at++;
  // Back to the start of the character the bad byte is in.
  while (at > 0 && (bytes[at]! & 0xc0) === 0x80) at--;
  const offset = bytes.subarray(0, at).toString('utf8').length;
  return { text, offset, byte: bytes[at]!.toString(16).toUpperCase().padStart(2, '0') };
}

function parseJson(text: string): { value: unknown } | { problems: RawProblem[] } {
  // Portico's own scan first: it places every syntax error, a key repeated in one object, which
  // JSON.parse lets the last one win silently (YAML's are refused too), and nesting too deep.
  const found = locateJsonError(text, { repeatedKeys: true, maxDepth });
  if (found) return { problems: [syntaxProblem('JSON', text, found.offset, found.reason)] };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { problems: [{ kind: 'syntax', path: [], message: `is not valid JSON: ${(error as Error).message}` }] };
  }
}

function parseYaml(text: string): { value: unknown } | { problems: RawProblem[] } {
  // YAML 1.2 core schema: `yes`/`no`/`on` stay strings, unlike YAML 1.1. Repeated keys are
  // Portico's own check below: the library's compares each key with every one before it.
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  // Every problem at once, in the file's order: what the parser refused, anchors and aliases past
  // the bound, and the keys of what it read that are lists, maps or repeated.
  const references = yamlReferences(document);
  const keys = [...references.problems, ...keyProblems(document, references.aliased)];
  if (document.errors.length > 0 || keys.length > 0) {
    // The yaml library's stack overflow on nesting far too deep is said once: it came twice, a
    // byte or none apart and under two codes, depending on how deep the stack was where the parse
    // began (a CI run of hostileFiles on Node 24).
    const overflow = document.errors.findIndex(stackOverflow);
    const errors = document.errors.filter((error, i) => !stackOverflow(error) || i === overflow);
    const found = [...errors.map((error) => ({ offset: error.pos[0], reason: yamlReason(error) })), ...keys].sort((a, b) => a.offset - b.offset);
    return { problems: found.map(({ offset, reason }) => syntaxProblem('YAML', text, offset, reason)) };
  }
  try {
    return { value: document.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (error) {
    // The yaml library's guard against an alias bomb (a billion laughs) throws a ReferenceError.
    if (!(error instanceof ReferenceError)) throw error;
    return { problems: [{ kind: 'syntax', path: [], message: 'is not valid YAML: its aliases (*name) expand past 100 nodes, as an alias bomb does; write the repeated values out' }] };
  }
}

/** What is wrong with a key, and where the key starts in the text. */
interface KeyProblem {
  readonly offset: number;
  readonly reason: string;
}

/**
 * The config's keys that JavaScript cannot take as they are, in one walk of the document:
 * - a key that is a list or a map (`? [a, b] : 1`, `{[a]: 1}`, or an alias of one), which the
 *   yaml library would turn into its text and warn of on stderr, where no one reading the
 *   config's problems looks;
 * - a key repeated in one map, compared as the name JavaScript makes of it, so `1` and "1", or
 *   `true` and "true", are one key, as the object the config becomes has them (the library
 *   compared values and let the last win), with one set of names a map, not each key against
 *   every one before it as the library did.
 */
function keyProblems(document: Document, aliased: ReadonlyMap<Alias, unknown>): KeyProblem[] {
  const found: KeyProblem[] = [];
  const keyOf = (pair: Pair<unknown, unknown>) => (isAlias(pair.key) ? aliased.get(pair.key) : pair.key);
  const startOf = (pair: Pair<unknown, unknown>) => (pair.key as { range?: [number, number, number] | null }).range?.[0] ?? 0;
  visit(document, {
    Pair(_key, pair) {
      const key = keyOf(pair);
      if (isCollection(key)) found.push({ offset: startOf(pair), reason: `a key that is a ${isMap(key) ? 'map' : 'list'}; Portico's keys are plain names, write it as one` });
    },
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = keyOf(pair);
        if (!isScalar(key)) continue;
        const name = String(key.value);
        if (!seen.has(name)) seen.add(name);
        else found.push({ offset: startOf(pair), reason: `the key ${JSON.stringify(name)} is already in this map; keep one` });
      }
    },
  });
  return found;
}

/**
 * The node each alias of `document` names: the last one with its anchor before it, as the yaml
 * library resolves it, found in one walk (nodes are met in the order they start in the text).
 * The library's `Alias.resolve` walks the whole document for each alias it is asked about: once
 * per alias key, 500 of them beside 50 000 other keys held the check for minutes. And, as
 * problems, each alias that names no anchor before it, and the first anchor or alias past
 * `maxAnchorsAndAliases`.
 */
function yamlReferences(document: Document): { readonly aliased: ReadonlyMap<Alias, unknown>; readonly problems: readonly KeyProblem[] } {
  const anchors = new Map<string, unknown>();
  const aliased = new Map<Alias, unknown>();
  const problems: KeyProblem[] = [];
  let count = 0;
  visit(document, (_key, node) => {
    if (isAlias(node)) {
      const named = anchors.get(node.source);
      aliased.set(node, named);
      // The library's conversion throws a ReferenceError for it, as for an alias bomb.
      if (named === undefined) problems.push({ offset: node.range?.[0] ?? 0, reason: `the alias *${node.source} names no anchor &${node.source} before it; put the anchor on the value before its first alias, or write the value out` });
    } else if ((isScalar(node) || isCollection(node)) && node.anchor) anchors.set(node.anchor, node);
    else return;
    if (++count !== maxAnchorsAndAliases + 1) return;
    const reason = `past ${maxAnchorsAndAliases} anchors and aliases (&name, *name), far more than a config needs, and more than the YAML library resolves in a reasonable time; write the repeated values out`;
    problems.push({ offset: node.range?.[0] ?? 0, reason });
  });
  return { aliased, problems };
}

/** Whether `value` nests deeper than `limit`, found without recursion (and so without end on a cycle). */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

function syntaxProblem(format: 'JSON' | 'YAML', text: string, offset: number, reason: string): RawProblem {
  const { line, column, excerpt } = sourcePlace(text, offset);
  return { kind: 'syntax', path: [], message: `is not valid ${format} at line ${line}, column ${column}: ${reason}`, line, column, excerpt };
}

/** The yaml library's first line, without the `at line L, column C` that the problem already says. */
/** The parser's recursion ran out of stack (V8's RangeError, caught by the library under more than one code). */
function stackOverflow(error: YAMLError): boolean {
  return error.message.includes('Maximum call stack size exceeded');
}

function yamlReason(error: YAMLError): string {
  // The library's own words tell a programmer to call YAML.parseAllDocuments().
  if (error.code === 'MULTIPLE_DOCS') return 'a second YAML document starts here (a line "---" after content); a config file is one document';
  // V8's words for the parser's recursion running out of stack say nothing of the file.
  if (stackOverflow(error)) return 'it nests deeper than the YAML parser can follow (no Portico config nests past six levels)';
  return error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
