import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { AppSchema, ConfigInvalidError, PorticoConfigSchema, resolveConfig } from '@portico/portico';

const root = fileURLToPath(new URL('../', import.meta.url));

/** A fenced block of a document, with the line it starts on and its language tag. */
interface Block {
  readonly where: string;
  readonly lang: string;
  readonly text: string;
}

/** The documents a reader copies configs from: the README, docs/ and the integrations' READMEs. */
async function documents(): Promise<string[]> {
  const docs = (await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  const integrations = (await readdir(join(root, 'integrations'))).map((d) => `integrations/${d}/README.md`).filter((f) => existsSync(join(root, f)));
  return ['README.md', ...docs, ...integrations];
}

/** Every fenced block, indented ones (inside a list item) included, their indent taken off. */
function fencedBlocks(doc: string, text: string): Block[] {
  const blocks: Block[] = [];
  for (const match of text.matchAll(/^( *)```(\w*)[^\n]*\n([\s\S]*?)^\1```/gm)) {
    const indent = match[1]!.length;
    const body = match[3]!.split('\n').map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length))).join('\n');
    blocks.push({ where: `${doc}:${text.slice(0, match.index).split('\n').length}`, lang: match[2]!, text: body });
  }
  return blocks;
}

const topKeys = new Set([...Object.keys(PorticoConfigSchema.properties), '$schema']);
const appKeys = new Set(Object.keys(AppSchema.properties));

/**
 * What a block holds, by its keys: a whole config or a part of its top level (`{ "admin": … }`),
 * one app (`{ "name": "shop", … }`), or something else (the status JSON, a log line). A block
 * whose keys are mostly config keys is a config with a wrong key, and is checked as one, so a
 * misspelled key fails instead of making the block look like something else.
 */
function classify(value: unknown): 'config' | 'app' | 'other' {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'other';
  const keys = Object.keys(value);
  if (keys.length === 0) return 'other';
  const top = keys.filter((k) => topKeys.has(k)).length;
  const app = keys.filter((k) => appKeys.has(k)).length;
  if (top === keys.length) return 'config';
  if (keys.includes('name') && app === keys.length) return 'app';
  if (Math.max(top, app) * 2 <= keys.length) return 'other';
  return top >= app ? 'config' : 'app';
}

/** The value of a JSON or YAML block, or `undefined` for one that is neither (JSON lines, a sketch). */
function parseBlock(block: Block): unknown {
  try {
    return block.lang === 'json' ? JSON.parse(block.text) : parseYaml(block.text);
  } catch {
    return undefined;
  }
}

/**
 * A part of a config made whole: what it leaves out is filled with the least that is valid. A
 * block with `apps` is a config a reader copies as it is, and must be whole already.
 */
function completed(kind: 'config' | 'app', value: Record<string, unknown>): Record<string, unknown> {
  if (kind === 'config' && 'apps' in value) return value;
  // An app shown by the keys in question (`{ "name": "shop", "stdoutLog": … }`) runs some command.
  const config: Record<string, unknown> = kind === 'app' ? { apps: [{ processPath: 'node', ...value }] } : { ...value };
  config['listen'] ??= [{ port: 8080 }];
  config['apps'] ??= [{ name: 'app', processPath: 'node', arguments: ['server.js'] }];
  return config;
}

/**
 * The problems `portico check` would print for a block, but for files the example names (a
 * certificate, an htpasswd file, `/srv/shop`), which are the reader's. Environment variables it
 * references are set, as the reader's would be, but for those Portico gives each process (`PORT`,
 * `PORTICO_*`), which the loader checks are used where it can fill them.
 */
function problems(where: string, config: Record<string, unknown>, text: string): string[] {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [, braced, percent] of text.matchAll(/\$\{(\w+)\}|%(\w+)%/g)) {
    const name = braced ?? percent!;
    if (name !== 'PORT' && !name.startsWith('PORTICO_')) env[name] ??= '1';
  }
  try {
    resolveConfig(config, { file: where, baseDir: root, env, checkBuild: false });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigInvalidError)) throw error;
    return error.problems.filter((p) => p.kind !== 'file').map((p) => `${where}: ${p.path}: ${p.message}`);
  }
}

/** The config blocks of every document, each made whole. */
async function configBlocks(): Promise<{ where: string; config: Record<string, unknown>; text: string }[]> {
  const found = [];
  for (const doc of await documents()) {
    for (const block of fencedBlocks(doc, await readFile(join(root, doc), 'utf8'))) {
      if (!['json', 'yaml', 'yml', ''].includes(block.lang)) continue;
      const value = parseBlock(block);
      const kind = classify(value);
      if (kind === 'other') continue;
      found.push({ where: block.where, config: completed(kind, value as Record<string, unknown>), text: block.text });
    }
  }
  return found;
}

describe('the config examples of the docs', () => {
  it('are found: every whole config the docs show', async () => {
    const where = (await configBlocks()).map((b) => b.where);
    // The ones a reader copies first; a change in how blocks are found must not lose them.
    for (const doc of ['docs/getting-started.md', 'docs/config.md', 'docs/aspnetcore.md', 'docs/auth.md', 'docs/architecture.md']) {
      assert.ok(where.some((w) => w.startsWith(`${doc}:`)), `no config example found in ${doc}; found: ${where.join(', ')}`);
    }
  });

  it('are each valid as portico check reads them', async () => {
    const found: string[] = [];
    for (const block of await configBlocks()) found.push(...problems(block.where, block.config, block.text));
    assert.deepEqual(found, [], 'a config example in the docs is refused by the config loader: fix the example');
  });

  it('count a block with a misspelled key as a config, and refuse it', () => {
    const app = { name: 'shop', processPath: 'node', startupTimelimit: 30 };
    assert.equal(classify(app), 'app');
    assert.match(problems('x.md:1', completed('app', app), '').join('\n'), /startupTimelimit: is not a known key/);
    const top = { listen: [{ port: 8080 }], apps: [{ name: 'shop', processPath: 'node' }], admn: { port: 9901 } };
    assert.equal(classify(top), 'config');
    assert.match(problems('x.md:1', completed('config', top), '').join('\n'), /admn: is not a known key/);
  });

  it('hold a block with apps to be a whole config, as a reader copies it', () => {
    const apps = { apps: [{ name: 'shop', processPath: 'node' }] };
    assert.match(problems('x.md:1', completed('config', apps), '').join('\n'), /listen: is required/);
  });

  it('leave out what is no config: the status JSON, a log line', () => {
    assert.equal(classify({ pid: 4242, version: '0.1.0', startedAt: 1, sampling: {}, apps: [], fronts: [] }), 'other');
    assert.equal(classify({ level: 30, event: 'worker.exited', app: 'shop' }), 'other');
  });
});
