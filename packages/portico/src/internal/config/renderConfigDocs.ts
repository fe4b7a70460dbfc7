import { PorticoConfigSchema } from '../../config/PorticoConfigSchema.ts';
import { discriminator, literals, node, type SchemaNode } from './describeSchema.ts';

const code = (text: string): string => `\`${text}\``;
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const num = (n: number): string => (Math.abs(n) >= 10000 ? n.toLocaleString('en-US') : String(n));

function typeName(schema: SchemaNode): string {
  const consts = literals(schema);
  if (consts) return typeof consts[0];
  if (discriminator(schema) !== undefined) return 'object';
  if (schema.anyOf) return [...new Set(schema.anyOf.map(typeName))].join(' or ');
  if (schema.type === 'integer') return 'whole number';
  if (schema.type === 'array') return `list of ${schema.items ? typeName(schema.items) : 'any'}`;
  if (schema.type === 'object' && schema.patternProperties) return 'object of strings';
  return schema.type ?? 'any';
}

function range(schema: SchemaNode): string {
  const consts = literals(schema);
  if (consts) return consts.map((c) => code(JSON.stringify(c))).join(', ');
  if (schema['x-portico-allowed'] !== undefined) return schema['x-portico-allowed'];
  if (schema.type === 'number' || schema.type === 'integer') {
    const low = schema.exclusiveMinimum !== undefined ? `> ${num(schema.exclusiveMinimum)}` : schema.minimum !== undefined ? num(schema.minimum) : undefined;
    if (low !== undefined && schema.maximum !== undefined) {
      return schema.exclusiveMinimum !== undefined ? `${low} and ≤ ${num(schema.maximum)}` : `${low}–${num(schema.maximum)}`;
    }
    return low ?? '';
  }
  if (schema.type === 'string') {
    if (schema.pattern !== undefined) return code(schema.pattern);
    if (schema.minLength !== undefined) return schema.minLength === 1 ? 'non-empty' : `at least ${schema.minLength} characters`;
    return '';
  }
  if (schema.type === 'object' && schema.patternProperties) return 'names without `=` or NUL, not `__proto__`';
  if (schema.type === 'array') {
    const items = schema.items ? range(schema.items) : '';
    const count = schema.minItems ? `at least ${schema.minItems}` : '';
    return [count, items === '' ? '' : `each ${items}`].filter(Boolean).join(', ');
  }
  if (schema.anyOf) return schema.anyOf.map(range).filter(Boolean).join('; ');
  return '';
}

function defaultText(schema: SchemaNode, required: boolean): string {
  if (required) return '**required**';
  if (schema['x-portico-default'] !== undefined) return schema['x-portico-default'];
  if (schema.default !== undefined) return code(JSON.stringify(schema.default));
  return '—';
}

const pathLabel = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** One table per object in the schema, depth first, so every key is documented where it lives. */
function sections(schema: SchemaNode, path: string, heading: string, out: string[]): void {
  const key = discriminator(schema);
  if (key !== undefined) {
    for (const branch of schema.anyOf!) {
      const tag = JSON.stringify(branch.properties![key]!.const);
      sections(branch, path, `${heading} with ${code(`${key}: ${tag}`)}`, out);
    }
    return;
  }
  if (schema.type === 'array' && schema.items) return sections(schema.items, `${path}[]`, `${heading.replace(/`$/, '[]`')}`, out);
  if (schema.type !== 'object' || !schema.properties) return;
  const required = new Set(schema.required ?? []);
  out.push(`### ${heading}`, '');
  if (schema.description) out.push(schema.description, '');
  out.push('| key | type | default | allowed | description |', '|---|---|---|---|---|');
  const nested: [string, SchemaNode][] = [];
  for (const [name, property] of Object.entries(schema.properties)) {
    if (name === '$schema') continue;
    const isObject = (property.type === 'object' && property.properties !== undefined) || (property.type === 'array' && property.items?.type === 'object') || discriminator(property) !== undefined;
    const description = property.description ?? '';
    const see = isObject ? `${description}${description ? ' ' : ''}See below.` : description;
    out.push(`| ${code(name)} | ${cell(typeName(property))} | ${cell(defaultText(property, required.has(name)))} | ${cell(range(property))} | ${cell(see)} |`);
    if (isObject) nested.push([name, property]);
  }
  out.push('');
  for (const [name, property] of nested) sections(property, pathLabel(path, name), code(pathLabel(path, name)), out);
}

const intro = `# Configuration

<!-- Generated from packages/portico/src/config/*Schema.ts by \`pnpm --filter @portico/portico gen:docs\`; do not edit by hand. -->

Portico reads one file, JSON (\`.json\`) or YAML (\`.yaml\`, \`.yml\`). Keys follow the ASP.NET Core
Module's \`<aspNetCore>\` attributes where the concept is the same, so \`processPath\`,
\`arguments\`, \`startupTimeLimit\` and the rest mean what they mean there. Times are in seconds;
fractions are allowed.

\`\`\`json
{
  "$schema": "./node_modules/@portico/portico/schema/portico.schema.json",
  "listen": [{ "port": 8080 }, { "port": 8443, "tls": { "cert": "cert.pem", "key": "key.pem" } }],
  "admin": { "port": 9901 },
  "apps": [{
    "name": "shop",
    "match": { "host": "*", "path": "/" },
    "processPath": "node",
    "arguments": ["server.js"],
    "workingDirectory": "./shop",
    "environmentVariables": { "NODE_ENV": "production", "DB_URL": "\${DB_URL}" },
    "stdoutLogEnabled": true
  }]
}
\`\`\`

Check a file with \`portico check -c portico.json\` ([docs/cli.md](cli.md)): it prints the config as
Portico will use it, every default filled in, or every problem at once.

## How a file is read

1. **Parsed** by its extension. YAML is read as YAML 1.2, so \`yes\` and \`on\` stay strings
   (a file that starts with the directive \`%YAML 1.1\` is read as YAML 1.1, as it asks: \`yes\` is
   then \`true\`). One YAML document per file: a second one (a line \`---\` after content) is an error
   at its line.
   A key repeated in one mapping or JSON object is an error, at its line and column (JSON.parse
   would keep the last one and drop the first without a word); in YAML, keys are compared as the
   names they become, so \`1\` and \`"1"\`, or \`true\` and \`"true"\`, are one key repeated. The check
   is one pass over each mapping (the YAML library's own compared each key with every one before
   it: 20 000 keys took 9 s). The file must be a regular file
   (a symlink to one included) of at most 16 MiB, in UTF-8, with or without a byte order mark:
   a folder, a FIFO or a device is refused at once, without reading it, and a byte that is not
   UTF-8 is an error at its line and column (\`save the file as UTF-8\`), since it would reach a
   path or argument as U+FFFD. Nesting deeper than 32 levels is an error (no config nests past
   six), and so are YAML aliases that expand past 100 nodes (an alias bomb) or sit inside the
   node they name, more than 1 000 YAML anchors and aliases in one file (the YAML library
   resolves each alias by scanning every one before it: 20 000 took 31 s), an alias that names no
   anchor before it (at its line, where the library's error called it an alias bomb), and a YAML key that is a list or a map (\`? [a, b] : 1\`, \`{[a]: 1}\`, or an
   alias of one), at its line and column (before, it became the key \`"[ a, b ]"\` with a Node
   warning on stderr).
2. **Environment variables** are expanded in every string value (never in keys):
   \`%NAME%\` as in ANCM's web.config, \`\${NAME}\`, and \`\${NAME:-default}\` (the default also
   replaces an empty value). A variable that is not set, without a default, is an error naming it.
   \`%%\` is a literal \`%\` and \`$$\` a literal \`$\`; a \`%\` or \`$\` that starts no reference stays
   as it is. Where a number or \`true\`/\`false\` is expected, a value made by expansion is converted
   (\`"port": "\${PORT}"\`); a number written in quotes is still an error.
   In an app's \`arguments\`, the variables that Portico sets for the backend are not read from
   Portico's environment: they are filled in each time a process starts (see
   [The port in the arguments](#the-port-in-the-arguments)).
3. **Checked** against the schema below. Every problem is reported, not only the first, each
   with the file, the key path (\`apps[0].startupTimeLimit\`), the value and what is allowed.
   Unknown keys are errors, with a suggestion when one is close (\`startupTimelimit\` → did you
   mean \`startupTimeLimit\`?), so a typo never silently leaves a default in place. No string
   may hold a NUL (\`\\u0000\`), which no path, argument or name can carry (before, one in
   \`processPath\` or \`arguments\` passed \`check\` and failed every start of the app).
4. **Defaults** are applied, then the values that depend on others: \`workingDirectory\`,
   \`stdoutLogFile\` and \`queue.timeout\`. A string \`arguments\` is split into a list.
5. **Paths** are resolved against the folder of the config file: \`processPath\` when it contains
   a \`/\` (otherwise it is looked up in \`PATH\`, like \`node\`), \`workingDirectory\`,
   \`stdoutLogFile\`, the \`tls\` files and the \`auth\` files. The TLS and auth files and an explicit
   \`workingDirectory\` must exist.
6. **Cross-checks**: app names are unique; no two apps have the same \`match\`; no two listeners (or
   a listener and \`admin\`) bind the same port on overlapping addresses; \`restart.backoff.max\`
   and \`restart.retryFailed.max\` are at least \`min\`; \`tls.requestCert\` needs \`tls.ca\`; \`auth: { type: "client-cert" }\` needs a listener
   with \`requestCert\`; a \`jwt\` authenticator has exactly one key source; each of an app's
   \`arguments\` and each \`NAME=value\` of its \`environmentVariables\` is at most 131,071 bytes
   (Linux's limit for one), and all of them together at most 1 MiB, counted as the kernel counts
   them (each one's bytes, its terminating NUL and its 8-byte pointer), since the system refuses to
   start a process past its limits (E2BIG: before, \`check\` accepted them and every start failed).

Problems are reported as one error, \`PORTICO_ERR_CONFIG_INVALID\`, whose message lists one
problem per line:

\`\`\`text
portico.json: 2 problems; fix each and run "portico check" again:
  portico.json: apps[0].startupTimelimit: is not a known key; did you mean "startupTimeLimit"?; allowed: the keys "name", …
  portico.json: apps[0].environmentVariables.DB_URL = "\${DB_URL}": uses the environment variable DB_URL, which is not set; allowed: set DB_URL, or give a default: \${DB_URL:-value}
\`\`\`

Embedding hosts get the same from \`loadConfig(file, { env })\` or, for a config built in code,
\`resolveConfig(value, { file, baseDir, env })\`; the error's \`problems\` holds each problem as
\`{ kind, file, path, value, message, allowed }\`.

### Editor support

\`packages/portico/schema/portico.schema.json\` (shipped as
\`@portico/portico/schema/portico.schema.json\`) is the same schema as JSON Schema (draft 07): point
\`"$schema"\` at it in a JSON file, or add \`# yaml-language-server: $schema=…\` to a YAML file,
for completion and checking while typing.

### The port in the arguments

Many servers take where to listen as an argument (\`gunicorn -b\`, \`uvicorn --port\`, \`php -S\`,
\`puma -p\`). An app's \`arguments\` may name the variables Portico sets for each process it
starts; they are filled in at each start, not when the file is read:

| variable | set with | value |
|---|---|---|
| \`\${PORT}\`, \`\${PORTICO_PORT}\` | \`listenMode: "tcp"\` | the port this process must listen on, on 127.0.0.1 |
| \`\${PORTICO_SOCKET}\` | \`listenMode: "unix"\` | the unix socket path |
| \`\${PORTICO_APPL_PATH}\` | every mode | the app's \`match.path\` |

\`\`\`json
{ "name": "flask", "processPath": "gunicorn", "arguments": ["-b", "127.0.0.1:\${PORT}", "app:app"] }
\`\`\`

\`%PORT%\` and \`\${PORT:-default}\` work too. In \`arguments\` these names always mean what Portico
gives the process, even when Portico's own environment has a \`PORT\` (as on a PaaS). A variable
the app's \`listenMode\` does not set is an error, and so is \`\${PORTICO_TOKEN}\`: every user on
the host can read a process's arguments, so the backend reads the token from its environment.
Everywhere else (\`environmentVariables\` included) these names are read from Portico's own
environment like any other. \`portico check\` prints, for each app that uses them, a line saying
they are filled in at start and which variables Portico provides.

### \`arguments\` as one string

As in ANCM, \`arguments\` may be one string. It is split as Windows splits a command line:
spaces and tabs separate arguments, \`"…"\` groups (\`"a b"\` is one argument), \`\\"\` is a literal
quote, \`""\` inside quotes is a literal quote, and backslashes are literal unless they precede a
quote (so \`C:\\app\\site.dll\` survives). Prefer a list: it needs no quoting.

## Keys
`;

/** `docs/config.md`, generated from the schema so it cannot drift from what the loader accepts. */
export function renderConfigDocs(): string {
  const out: string[] = [intro];
  sections(node(PorticoConfigSchema), '', 'Top level', out);
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
