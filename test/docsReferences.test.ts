import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** A file name the docs may give in backticks, as `path/like/this.ts` or a bare `name.test.ts`. */
const namedFile = /^(?:\.\.?\/)?[\w@.-]+(?:\/[\w@.-]+)*\.(?:ts|mts|js|mjs|cjs|json|md|lua|ya?ml|py|go|rb|php|sh|html|cs)$/;
/** Bare names are checked only for source files: `portico.yaml` is one `portico init` writes. */
const sourceFile = /\.(?:ts|mts|js|mjs|cjs|py|go|rb|php|lua|sh)$/;

/** The documents a reader is sent to: the README, docs/ and the integrations' READMEs. */
async function documents(): Promise<string[]> {
  const docs = (await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  const integrations = (await readdir(join(root, 'integrations'))).map((d) => `integrations/${d}/README.md`).filter((f) => existsSync(join(root, f)));
  return ['README.md', ...docs, ...integrations];
}

/** Every file in the tree, relative to the root; dependencies and build outputs left out. */
async function treeFiles(dir = root): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (['node_modules', '.git', 'dist'].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await treeFiles(path)));
    else files.push(relative(root, path));
  }
  return files;
}

/** pnpm's own commands, which are no scripts of the workspace. */
const pnpmCommands = new Set(['install', 'i', 'add', 'remove', 'update', 'exec', 'dlx', 'link', 'unlink', 'pack', 'publish', 'create', 'store', 'why', 'list', 'outdated', 'audit', 'rebuild', 'prune', 'init', 'setup', 'env', 'config', 'patch', 'fetch', 'deploy', 'licenses']);

/** The scripts of the root's package.json, or of the workspace package `filter` names. */
async function scripts(filter: string | undefined): Promise<Set<string>> {
  const dir = filter === undefined ? root : join(root, 'packages', filter.replace(/^@portico\//, ''));
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return new Set(Object.keys(manifest.scripts ?? {}));
}

/** A document without its fenced code blocks, whose paths belong to the example they show. */
function prose(text: string): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '');
}

/** The anchors GitHub gives a document's headings: lower case, punctuation dropped, a suffix for repeats. */
function anchors(text: string): Set<string> {
  const found = new Set<string>();
  for (const [, heading] of prose(text).matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const slug = heading!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    let name = slug;
    for (let n = 1; found.has(name); n++) name = `${slug}-${n}`;
    found.add(name);
  }
  return found;
}

/** Whether a path named in `doc` is in the tree: from the root, from the doc, or as the end of a longer path. */
function exists(path: string, doc: string, files: readonly string[]): boolean {
  const candidates = [path, path.replace(/\.js$/, '.ts')].map((p) => p.replace(/^@portico\/([\w-]+)\//, 'packages/$1/'));
  return candidates.some((p) => {
    if (!p.includes('/')) return files.some((f) => basename(f) === p);
    if (existsSync(join(root, p)) || existsSync(join(root, dirname(doc), p))) return true;
    // `packages/NAME/test/...` names a path every package has.
    const tail = new RegExp(`(^|/)${p.replace(/^(\.\.?\/)+/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\bNAME\b/g, '[^/]+')}$`);
    return files.some((f) => tail.test(f));
  });
}

describe('docs', () => {
  let files: string[];
  before(async () => {
    files = await treeFiles();
  });

  it('link to files and headings that exist', async () => {
    const broken: string[] = [];
    for (const doc of await documents()) {
      const text = await readFile(join(root, doc), 'utf8');
      for (const [, target] of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path === '' ? doc : join(dirname(doc), path);
        if (!existsSync(join(root, file))) broken.push(`${doc}: ${target} (no such file)`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchors(await readFile(join(root, file), 'utf8')).has(anchor)) {
          broken.push(`${doc}: ${target} (no such heading in ${file})`);
        }
      }
    }
    assert.deepEqual(broken, [], 'fix the link, or the heading it points to');
  });

  it('name only files that exist in the tree', async () => {
    const missing: string[] = [];
    for (const doc of await documents()) {
      const text = await readFile(join(root, doc), 'utf8');
      for (const [, code] of prose(text).matchAll(/`([^`\n]+)`/g)) {
        if (!namedFile.test(code!) || (code!.startsWith('.') && !code!.includes('/'))) continue;
        if (!code!.includes('/') && !sourceFile.test(code!)) continue;
        if (!exists(code!, doc, files)) missing.push(`${doc}: ${code}`);
      }
    }
    assert.deepEqual(missing, [], 'a doc names a file that was moved or removed: name where it is now');
  });

  it('name only pnpm scripts that exist', async () => {
    const missing: string[] = [];
    for (const doc of await documents()) {
      const text = await readFile(join(root, doc), 'utf8');
      const code = [...text.matchAll(/```[^\n]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2]!);
      for (const [, filter, name] of code.join('\n').matchAll(/\bpnpm\s+(?:--filter\s+(\S+)\s+)?(?:run\s+)?([a-z][\w:-]*)/g)) {
        if (filter === undefined && pnpmCommands.has(name!)) continue;
        if (!(await scripts(filter)).has(name!)) missing.push(`${doc}: pnpm ${filter === undefined ? '' : `--filter ${filter} `}${name}`);
      }
    }
    assert.deepEqual(missing, [], 'a doc names a script that package.json does not have');
  });
});
