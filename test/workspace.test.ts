import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { ESLint, Linter } from 'eslint';

const root = new URL('../', import.meta.url);

interface Manifest {
  readonly name: string;
  readonly private?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

/** The tests' own helpers: a workspace package that nothing that ships may depend on. */
const testSupport = '@portico/test-support';

const readJson = async <T>(url: URL): Promise<T> => JSON.parse(await readFile(url, 'utf8')) as T;

async function packageNames(): Promise<string[]> {
  return (await readdir(new URL('packages/', root))).sort();
}

async function tsFiles(dir: URL): Promise<URL[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: URL[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) files.push(...(await tsFiles(new URL(`${entry.name}/`, dir))));
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) files.push(new URL(entry.name, dir));
  }
  return files;
}

// `require.resolve('pkg/file')` uses a package too: the admin page serves uPlot's files from it.
const specifierPattern = /(?:(?:^|[\s}])from\s*|\bimport\s*\(\s*|^\s*import\s*|\brequire\.resolve\(\s*)'([^'./][^']*)'/gm;

/** The packages (not paths) that the files under `dir` import, Node's built-ins left out. */
async function importedPackages(dir: URL): Promise<Set<string>> {
  const found = new Set<string>();
  for (const file of await tsFiles(dir)) {
    for (const [, specifier] of (await readFile(file, 'utf8')).matchAll(specifierPattern)) {
      if (specifier === undefined || specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
      const parts = specifier.split('/');
      found.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return found;
}

/** docs/architecture.md's package table: the `@portico/` packages each one may import. */
async function documentedGraph(): Promise<Map<string, Set<string>>> {
  const doc = await readFile(new URL('docs/architecture.md', root), 'utf8');
  const graph = new Map<string, Set<string>>();
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`([a-z-]+)`$/.exec(cells[1] ?? '')?.[1];
    if (name === undefined || cells.length < 5) continue;
    const allowed = [...(cells[3] ?? '').matchAll(/`([a-z-]+)`/g)].map((m) => `@portico/${m[1]}`);
    graph.set(`@portico/${name}`, new Set(allowed));
  }
  return graph;
}

/** A relative specifier's names, or the names a `{ … }` list gives (`type` and `as` left out). */
const listedNames = (list: string): string[] =>
  list.split(',').map((part) => part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim()).filter((name) => name !== '');

/**
 * The files a package's public entry exposes names from: `src/index.ts`, and every file it (or one
 * such file) re-exports from, by `export … from` or by exporting a name it imported. Each with the
 * file that exposes it, to say where an internal one comes in.
 */
async function exposedFiles(name: string): Promise<Map<string, string>> {
  const src = new URL(`packages/${name}/src/`, root);
  const exposed = new Map<string, string>([[new URL('index.ts', src).href, 'the package.json export "."']]);
  const queue = [new URL('index.ts', src)];
  const relative = (url: URL) => url.pathname.slice(root.pathname.length);
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const text = await readFile(file, 'utf8');
    const targets: string[] = [...text.matchAll(/^export\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s*from\s*'(\.[^']+)'/gm)].map((m) => m[1]!);
    // `import { X } from './x.ts'; … export { X };`: X is exposed from x.ts.
    const importedFrom = new Map<string, string>();
    for (const [, list, from] of text.matchAll(/^import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'(\.[^']+)'/gm)) {
      for (const imported of listedNames(list!)) importedFrom.set(imported, from!);
    }
    for (const [, list] of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*;/gm)) {
      for (const local of listedNames(list!)) {
        const from = importedFrom.get(local);
        if (from !== undefined) targets.push(from);
      }
    }
    for (const target of targets) {
      const next = new URL(target, file);
      if (exposed.has(next.href)) continue;
      exposed.set(next.href, relative(file));
      queue.push(next);
    }
  }
  return new Map([...exposed].map(([href, via]) => [relative(new URL(href)), via]));
}

const publicNameCache = new Map<string, Promise<Map<string, string>>>();

/**
 * The names a package's public entry exports, each with what it is: `FILE#NAME` of its
 * declaration, followed through re-exports, so that a name another package re-exports (the
 * `Clock` that `@portico/portico` passes on from `@portico/supervisor`) is the same thing.
 */
function publicNames(pkg: string): Promise<Map<string, string>> {
  let names = publicNameCache.get(pkg);
  if (names === undefined) {
    names = namesOf(new URL(`packages/${pkg.replace('@portico/', '')}/src/index.ts`, root));
    publicNameCache.set(pkg, names);
  }
  return names;
}

async function namesOf(file: URL): Promise<Map<string, string>> {
  const text = await readFile(file, 'utf8');
  const here = file.pathname.slice(root.pathname.length);
  const names = new Map<string, string>();
  const resolve = async (specifier: string, name: string): Promise<string> => {
    const from = specifier.startsWith('.') ? await namesOf(new URL(specifier, file)) : await publicNames(specifier);
    return from.get(name) ?? `${specifier}#${name}`;
  };
  for (const [, name] of text.matchAll(/^export\s+(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(?:const|let|function\*?|class|interface|type|enum)\s+(\w+)/gm)) names.set(name!, `${here}#${name}`);
  for (const [, specifier] of text.matchAll(/^export\s+\*\s+from\s*'([^']+)'/gm)) {
    const from = specifier!.startsWith('.') ? await namesOf(new URL(specifier!, file)) : await publicNames(specifier!);
    for (const [name, what] of from) names.set(name, what);
  }
  const pairs = (list: string) => list.split(',').map((part) => part.trim().replace(/^type\s+/, '')).filter((part) => part !== '').map((part) => part.split(/\s+as\s+/).map((w) => w.trim()) as [string, string?]);
  for (const [, list, specifier] of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/gm)) {
    for (const [name, alias] of pairs(list!)) names.set(alias ?? name, await resolve(specifier!, name));
  }
  const imported = new Map<string, [string, string]>();
  for (const [, list, specifier] of text.matchAll(/^import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/gm)) {
    for (const [name, alias] of pairs(list!)) imported.set(alias ?? name, [specifier!, name]);
  }
  for (const [, list] of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*;/gm)) {
    for (const [name, alias] of pairs(list!)) {
      const from = imported.get(name);
      names.set(alias ?? name, from === undefined ? `${here}#${name}` : await resolve(...from));
    }
  }
  return names;
}

describe('workspace', () => {
  it('lists every package of the architecture in the root tsconfig references', async () => {
    const tsconfig = await readJson<{ references: { path: string }[] }>(new URL('tsconfig.json', root));
    const referenced = tsconfig.references.map((r) => r.path).filter((p) => p.startsWith('packages/'));
    const present = (await packageNames()).map((name) => `packages/${name}`);
    assert.deepEqual([...referenced].sort(), [...present].sort());
  });

  it('declares exactly the dependencies that each package’s source imports', async () => {
    const problems: string[] = [];
    for (const name of await packageNames()) {
      const manifest = await readJson<Manifest>(new URL(`packages/${name}/package.json`, root));
      const declared = new Set(Object.keys(manifest.dependencies ?? {}));
      const used = await importedPackages(new URL(`packages/${name}/src/`, root));
      used.delete(manifest.name);
      for (const dep of used) if (!declared.has(dep)) problems.push(`${manifest.name} imports ${dep} but does not declare it`);
      for (const dep of declared) {
        // Types-only packages and bins are used without an import.
        if (!used.has(dep) && !dep.startsWith('@types/')) problems.push(`${manifest.name} declares ${dep} but never imports it`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('resolves every import of a package’s tests from its own or the workspace’s declarations', async () => {
    const rootManifest = await readJson<Manifest>(new URL('package.json', root));
    const workspace = new Set(Object.keys(rootManifest.devDependencies ?? {}));
    const problems: string[] = [];
    for (const name of await packageNames()) {
      const manifest = await readJson<Manifest>(new URL(`packages/${name}/package.json`, root));
      const declared = new Set([
        manifest.name,
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.devDependencies ?? {}),
        ...workspace,
      ]);
      for (const dep of await importedPackages(new URL(`packages/${name}/test/`, root))) {
        if (!declared.has(dep)) problems.push(`${manifest.name}'s tests import ${dep}, declared nowhere`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('declares a workspace package as a devDependency only where the package’s tests import it', async () => {
    const problems: string[] = [];
    for (const name of await packageNames()) {
      const manifest = await readJson<Manifest>(new URL(`packages/${name}/package.json`, root));
      const imported = await importedPackages(new URL(`packages/${name}/test/`, root));
      for (const dep of Object.keys(manifest.devDependencies ?? {})) {
        if (dep.startsWith('@portico/') && !imported.has(dep)) problems.push(`${manifest.name} declares ${dep} in devDependencies but its tests never import it`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('has type tests of the public entry of every package that is published', async () => {
    // packages/NAME/test/types/publicApi.test.ts: tsc -b fails when an exported type changes by accident.
    const problems: string[] = [];
    for (const name of await packageNames()) {
      const manifest = await readJson<Manifest>(new URL(`packages/${name}/package.json`, root));
      if (manifest.private === true) continue;
      const file = new URL(`packages/${name}/test/types/publicApi.test.ts`, root);
      const text = await readFile(file, 'utf8').catch(() => '');
      if (!text.includes(`from '${manifest.name}'`) || !text.includes('expectTypeOf')) problems.push(`packages/${name}/test/types/publicApi.test.ts does not test ${manifest.name}'s public types with expect-type`);
    }
    assert.deepEqual(problems, []);
  });

  it("keeps a package's ./internal entry to that package's own tests", async () => {
    // `@portico/NAME/internal` is what NAME's tests reach beyond its public surface; source code,
    // other packages and the root tests go through the public entry.
    const internal = /(?:from\s*|import\s*\(\s*)'(@portico\/[a-z-]+)\/internal'/g;
    const problems: string[] = [];
    const dirs: Array<[URL, string | undefined]> = [[new URL('test/', root), undefined], [new URL('bench/', root), undefined], [new URL('examples/', root), undefined]];
    for (const name of await packageNames()) {
      dirs.push([new URL(`packages/${name}/src/`, root), undefined], [new URL(`packages/${name}/test/`, root), `@portico/${name}`]);
    }
    for (const [dir, owner] of dirs) {
      for (const file of await tsFiles(dir)) {
        for (const [, imported] of (await readFile(file, 'utf8')).matchAll(internal)) {
          if (imported !== owner) problems.push(`${file.pathname.slice(root.pathname.length)} imports ${imported}/internal`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('exposes nothing from an internal/ folder through a package’s public entries', async () => {
    // A file under internal/ is the package's own business; what the public entry gives (or a
    // public type names) lives outside it. Only the explicit ./internal export may point inside.
    const problems: string[] = [];
    for (const name of await packageNames()) {
      for (const [file, via] of await exposedFiles(name)) {
        if (file.includes('/internal/')) problems.push(`${file} is exposed by ${via}`);
      }
      const manifest = await readJson<{ exports?: Record<string, unknown> }>(new URL(`packages/${name}/package.json`, root));
      for (const [entry, target] of Object.entries(manifest.exports ?? {})) {
        if (entry !== './internal' && JSON.stringify(target).includes('/internal/')) problems.push(`packages/${name}'s export "${entry}" points into internal/`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('gives one meaning to a name that two packages export (docs/architecture.md, Conventions)', async () => {
    // Names two packages declare each, on purpose: the same meaning in both, for code that never
    // sees the other package (a backend installs @portico/integration alone).
    const alike: Record<string, string> = {
      Environment: 'a process environment, Readonly<Record<string, string | undefined>>, in @portico/integration and @portico/portico',
      ListenFailedError: 'a listen that failed: a backend\'s (@portico/integration) and Portico\'s own sockets\' (@portico/listener), each with its code',
    };
    const meanings = new Map<string, Map<string, string[]>>();
    for (const name of await packageNames()) {
      const manifest = await readJson<Manifest>(new URL(`packages/${name}/package.json`, root));
      if (manifest.private === true) continue;
      for (const [exported, what] of await publicNames(manifest.name)) {
        const byWhat = meanings.get(exported) ?? new Map<string, string[]>();
        byWhat.set(what, [...(byWhat.get(what) ?? []), manifest.name]);
        meanings.set(exported, byWhat);
      }
    }
    assert.ok((meanings.get('Clock')?.get('packages/supervisor/src/Clock.ts#Clock')?.length ?? 0) >= 2, 'a re-exported name is followed to its declaration');
    const twice = [...meanings].filter(([name, byWhat]) => byWhat.size > 1 && !(name in alike)).map(([name, byWhat]) => `${name}: ${[...byWhat].map(([what, by]) => `${by.join(', ')} (${what})`).join(' vs ')}`);
    assert.deepEqual(twice, [], 'rename one of them, or re-export the one from the other');
    for (const name of Object.keys(alike)) assert.equal(meanings.get(name)?.size, 2, `${name} is no longer exported twice: drop it from the list`);
  });

  it('has the package graph that docs/architecture.md draws, with no cycle', async () => {
    const documented = await documentedGraph();
    const actual = new Map<string, Set<string>>();
    for (const name of await packageNames()) {
      const manifest = await readJson<Manifest>(new URL(`packages/${name}/package.json`, root));
      const used = await importedPackages(new URL(`packages/${name}/src/`, root));
      actual.set(manifest.name, new Set([...used].filter((dep) => dep.startsWith('@portico/') && dep !== manifest.name)));
    }
    const sorted = (graph: Map<string, Set<string>>) =>
      Object.fromEntries([...graph].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]));
    assert.deepEqual(sorted(actual), sorted(documented));

    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (node: string, path: string[]): void => {
      if (done.has(node)) return;
      assert.ok(!visiting.has(node), `import cycle: ${[...path, node].join(' → ')}`);
      visiting.add(node);
      for (const next of actual.get(node) ?? []) visit(next, [...path, node]);
      visiting.delete(node);
      done.add(node);
    };
    for (const node of actual.keys()) visit(node, []);
  });

  it(`keeps ${testSupport} to tests: private, a devDependency exactly where tests import it, never a dependency`, async () => {
    const problems: string[] = [];
    const support = await readJson<Manifest>(new URL('packages/test-support/package.json', root));
    if (support.name !== testSupport || support.private !== true) problems.push(`packages/test-support is not the private ${testSupport}`);
    const trees: Array<[string, URL[], URL]> = [['the workspace root', [new URL('test/', root)], new URL('package.json', root)]];
    for (const name of await packageNames()) {
      if (name !== 'test-support') trees.push([`packages/${name}`, [new URL(`packages/${name}/test/`, root)], new URL(`packages/${name}/package.json`, root)]);
    }
    for (const [where, testDirs, manifestUrl] of trees) {
      const manifest = await readJson<Manifest>(manifestUrl);
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const) {
        if (manifest[field]?.[testSupport] !== undefined) problems.push(`${where} has ${testSupport} in ${field}: code that ships never depends on it`);
      }
      const imported = (await Promise.all(testDirs.map(importedPackages))).some((found) => found.has(testSupport));
      const declared = manifest.devDependencies?.[testSupport] !== undefined;
      if (imported && !declared) problems.push(`${where}'s tests import ${testSupport} but it is not in its devDependencies`);
      if (declared && !imported) problems.push(`${where} declares ${testSupport} in devDependencies but its tests never import it`);
    }
    assert.deepEqual(problems, []);
  });

  it(`fails lint where a package's src imports ${testSupport}, and nowhere else`, async () => {
    // The lint rule as eslint.config.js sets it for each file, run on an import of each kind.
    const eslint = new ESLint({ cwd: root.pathname });
    const linter = new Linter();
    const restricted = async (file: string): Promise<string[]> => {
      const config = (await eslint.calculateConfigForFile(file)) as { rules: Record<string, Linter.RuleEntry> };
      const rule = config.rules['no-restricted-imports'];
      assert.ok(rule !== undefined, `no-restricted-imports applies to ${file}`);
      const imports = [`import { freePort } from '${testSupport}';`, `import { RawHttp2Client } from '${testSupport}/http2';`, `export { frame } from '${testSupport}/http2';`];
      return imports.filter(
        (code) => linter.verify(code, { languageOptions: { sourceType: 'module' }, rules: { 'no-restricted-imports': rule } }).some((m) => m.ruleId === 'no-restricted-imports'),
      );
    };
    for (const name of (await packageNames()).filter((n) => n !== 'test-support')) {
      assert.equal((await restricted(`packages/${name}/src/index.ts`)).length, 3, `packages/${name}/src may import ${testSupport}`);
      assert.deepEqual(await restricted(`packages/${name}/test/some.test.ts`), [], `packages/${name}/test may not import ${testSupport}`);
    }
    assert.deepEqual(await restricted('test/some.e2e.test.ts'), []);
    // The rule that keeps a package out of another's src/ still holds in src/ beside the new one.
    const pathIntoSrc = linter.verify("import { x } from '../../router/src/index.ts';", {
      languageOptions: { sourceType: 'module' },
      rules: { 'no-restricted-imports': ((await eslint.calculateConfigForFile('packages/portico/src/index.ts')) as { rules: Record<string, Linter.RuleEntry> }).rules['no-restricted-imports']! },
    });
    assert.equal(pathIntoSrc.length, 1);
  });
});
