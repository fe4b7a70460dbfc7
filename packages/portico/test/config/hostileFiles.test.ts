import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '@portico/portico';
import { checkSpawnSizes } from '../../src/internal/config/checkSpawnSizes.ts';
import { configFolder, minimal, problemsOf } from './fixtures.ts';

const env = { HOME: '/home/test' };
const yamlConfig = 'listen: [{port: 8080}]\napps: [{name: shop, processPath: node}]\n';

// Config files a careless or hostile operator hands Portico. Each was seen failing before its fix:
// an internal error (exit 70 from portico check) or a file silently read as something else.
describe('loadConfig on hostile files', () => {
  let folder: Awaited<ReturnType<typeof configFolder>>;
  beforeEach(async () => (folder = await configFolder()));
  afterEach(() => folder.remove());

  it('reads a JSON file that starts with a byte order mark (Notepad\'s UTF-8) as YAML files are read', async () => {
    const config = await loadConfig(await folder.write('p.json', `\uFEFF${minimal()}`), { env });
    assert.equal(config.apps[0]!.name, 'shop');
  });

  it('refuses a file that is not UTF-8, at the line and column of the first byte that is not', async () => {
    const file = join(folder.dir, 'p.json');
    const text = minimal({ processPath: './caf\u00e9' }).replace(/,"apps"/, ',\n"apps"');
    // Latin-1, as an editor set to it writes é: one byte 0xE9.
    await writeFile(file, Buffer.from(text, 'latin1'));
    const problems = await problemsOf(loadConfig(file, { env }));
    assert.equal(problems.length, 1);
    const [problem] = problems;
    assert.equal(problem!.kind, 'syntax');
    const column = text.split('\n')[1]!.indexOf('\u00e9') + 1;
    assert.equal(problem!.message, `is not UTF-8 at line 2, column ${column}: the byte 0xE9 starts no UTF-8 character; save the file as UTF-8`);
    assert.deepEqual([problem!.line, problem!.column], [2, column]);
  });

  for (const [name, text, line, column] of [
    ['at the top', '{"listen": [{"port": 8080}],\n "apps": [],\n "apps": [{"name": "shop", "processPath": "node"}]}', 3, 2],
    ['in an app, spelled with an escape', '{"listen": [{"port": 8080}], "apps": [{"name": "shop", "processPath": "node", "proc\\u0065ssPath": "python3"}]}', 1, 79],
  ] as const) {
    it(`refuses a key repeated in one JSON object ${name}, as YAML's are: JSON.parse would keep the last one silently`, async () => {
      const problems = await problemsOf(loadConfig(await folder.write('p.json', text), { env }));
      assert.equal(problems.length, 1);
      assert.equal(problems[0]!.kind, 'syntax');
      assert.match(problems[0]!.message, new RegExp(`^is not valid JSON at line ${line}, column ${column}: the key ".*" is already in this object; keep one`));
    });
  }

  it('refuses a path that is a device, not a regular file, without reading it', async () => {
    const file = join(folder.dir, 'p.json');
    await symlink('/dev/zero', file);
    const problems = await problemsOf(loadConfig(file, { env }));
    assert.deepEqual(
      problems.map((p) => [p.kind, p.message, p.allowed]),
      [['file', 'is a character device, not a regular file', 'a readable file']],
    );
  });

  // Failed before: "is not a file" for a FIFO or a device, "does not exist" for a loop of links,
  // which is there; an operator was not told what the path held.
  for (const [name, make, message] of [
    ['a FIFO', (path: string) => void execFileSync('mkfifo', [path]), 'is a FIFO (named pipe), not a regular file'],
    ['a device', (path: string) => symlink('/dev/zero', path), 'is a character device, not a regular file'],
    ['a loop of symbolic links', (path: string) => symlink(path, path), 'cannot be read (ELOOP: a loop of symbolic links)'],
  ] as const) {
    it(`says what a file the config names is when it is ${name}`, async () => {
      const users = join(folder.dir, 'users.htpasswd');
      await make(users);
      const problems = await problemsOf(loadConfig(await folder.write('p.json', minimal({ auth: { type: 'basic', htpasswdFile: 'users.htpasswd' } })), { env }));
      assert.deepEqual(problems.map((p) => [p.path, p.message]), [['apps[0].auth.htpasswdFile', `${message} (resolved to ${users})`]]);
    });
  }

  it('refuses a folder named like a config', async () => {
    const file = join(folder.dir, 'p.yaml');
    await (await import('node:fs/promises')).mkdir(file);
    const problems = await problemsOf(loadConfig(file, { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.message]), [['file', 'is a folder, not a regular file']]);
  });

  it('refuses a YAML alias bomb with a problem, not an internal error', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [from, to] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f']]) lines.push(`${to}: &${to} [${Array(9).fill(`*${from}`).join(', ')}]`);
    const problems = await problemsOf(loadConfig(await folder.write('p.yaml', `${lines.join('\n')}\n${yamlConfig}`), { env }));
    assert.deepEqual(problems.map((p) => p.kind), ['syntax']);
    assert.match(problems[0]!.message, /^is not valid YAML: its aliases \(\*name\) expand past 100 nodes/);
  });

  // The yaml library resolves each alias by scanning every anchor and alias before it, so its
  // conversion grows with their square: 20 000 anchors each aliased once (`V0: &a0 x`, `W0: *a0`)
  // took 31 s on a loaded machine, and a file of the 16 MiB Portico reads could hold portico
  // check, or the control's event loop at a reload, for hours. Failed before: read as a config.
  it('refuses a YAML file of more than 1 000 anchors and aliases at the first past the bound, before the library resolves them', async () => {
    const pairs = Array.from({ length: 600 }, (_, i) => `      V${i}: &a${i} x\n      W${i}: *a${i}`).join('\n');
    const text = `listen: [{port: 8080}]\napps:\n  - name: shop\n    processPath: node\n    environmentVariables:\n${pairs}\n`;
    const problems = await problemsOf(loadConfig(await folder.write('p.yaml', text), { env }));
    // The 1 001st is the anchor &a500, on line 5 + 1 001; the column is its value's.
    assert.deepEqual(problems.map((p) => [p.kind, p.line]), [['syntax', 1006]], JSON.stringify(problems.map((p) => p.message)));
    assert.match(problems[0]!.message, /^is not valid YAML at line 1006, column 19: past 1000 anchors and aliases \(&name, \*name\).*; write the repeated values out$/);
  });

  // Failed before: said to be an alias bomb ("its aliases expand past 100 nodes"), with no line,
  // which sent the operator looking for an attack in a file with one mistyped or misplaced alias.
  for (const [what, text] of [
    ['names no anchor', `listen: [{port: 8080}]\napps: [{name: shop, processPath: node, arguments: [*srv]}]\nx: &server a\n`],
    ['comes before its anchor', `listen: [{port: 8080}]\napps: [{name: shop, processPath: node, arguments: [*srv]}]\nx: &srv a\n`],
  ] as const) {
    it(`refuses a YAML alias that ${what} at its line, saying so`, async () => {
      const problems = await problemsOf(loadConfig(await folder.write('p.yaml', text), { env }));
      assert.deepEqual(problems.map((p) => [p.kind, p.line, p.message]), [
        ['syntax', 2, 'is not valid YAML at line 2, column 52: the alias *srv names no anchor &srv before it; put the anchor on the value before its first alias, or write the value out'],
      ]);
    });
  }

  it('refuses a YAML alias inside the node it names (endless nesting) with a problem, not an internal error', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.yaml', 'listen: &l [{port: 8080}, *l]\napps: [{name: shop, processPath: node}]\n'), { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.message]), [['syntax', 'nests deeper than 32 levels, which no Portico config does (a YAML alias inside the node it names nests without end)']]);
  });

  // Failed before: the yaml library turned such a key into the text "[ a, b ]" and printed a Node
  // warning ("Keys with collection values will be stringified…") on stderr, not a config problem.
  const inApp = 'listen: [{port: 8080}]\napps:\n  - name: shop\n    processPath: node\n    environmentVariables:\n      ? [A, B]\n      : x\n';
  const complexKeys = [
    ['an explicit key that is a list', `${yamlConfig}? [a, b]\n: 1\n`, 3],
    ['a flow key that is a map', `${yamlConfig}x: {{a: 1}: 2}\n`, 3],
    ['a key that is an alias of a list', `${yamlConfig}anchors: &k [a]\n*k : 1\n`, 4],
    ['a complex key inside an app', inApp, 6],
  ] as const;
  for (const [what, text, line] of complexKeys) {
    it(`refuses ${what} with a problem naming its line, and no Node warning`, async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      try {
        const problems = await problemsOf(loadConfig(await folder.write('p.yaml', text), { env }));
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(problems.map((p) => [p.kind, p.line]), [['syntax', line]], JSON.stringify(problems.map((p) => p.message)));
        assert.match(problems[0]!.message, new RegExp(`^is not valid YAML at line ${line}, column \\d+: a key that is a (list|map); Portico's keys are plain names`));
      } finally {
        process.off('warning', onWarning);
      }
      assert.deepEqual(warnings.map((w) => w.message), []);
    });
  }

  // Two keys the YAML library let through because it compares values, not the keys JavaScript
  // makes of them: `1` (a number) and "1" (a string) both became the key "1", and the last won
// (as did `true` and "true").
  for (const [what, map, line] of [
    ['spelled the same', 'V: a\n      V: b', 7],
    ['once quoted', 'V: a\n      "V": b', 7],
    ['as a number and as a string', '1: a\n      "1": b', 7],
    ['as a boolean and as a string', 'true: a\n      "true": b', 7],
  ] as const) {
    it(`refuses a key repeated in one YAML map, ${what}, at the line of the second`, async () => {
      const text = `listen: [{port: 8080}]\napps:\n  - name: shop\n    processPath: node\n    environmentVariables:\n      ${map}\n`;
      const problems = await problemsOf(loadConfig(await folder.write('p.yaml', text), { env }));
      assert.deepEqual(problems.map((p) => [p.kind, p.line]), [['syntax', line]], JSON.stringify(problems.map((p) => p.message)));
      assert.match(problems[0]!.message, new RegExp(`^is not valid YAML at line ${line}, column 7: the key ".*" is already in this map; keep one`));
    });
  }

  // Failed before: the yaml library's message told the operator to "use YAML.parseAllDocuments()".
  it('refuses a second YAML document in the file at its line, in words for whoever wrote the file', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.yaml', `${yamlConfig}---\nfronts: 2\n`), { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.line, p.message]), [['syntax', 3, 'is not valid YAML at line 3, column 1: a second YAML document starts here (a line "---" after content); a config file is one document']]);
  });

  for (const ext of ['json', 'yaml'] as const) {
    it(`refuses ${ext.toUpperCase()} nested 100 000 deep with a problem, not an internal error`, async () => {
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      const text = ext === 'json' ? `{"listen": [{"port": 8080}], "apps": [], "x": ${deep}}` : `listen: [{port: 8080}]\napps: []\nx: ${deep}\n`;
      const problems = await problemsOf(loadConfig(await folder.write(`p.${ext}`, text), { env }));
      assert.equal(problems.length, 1, JSON.stringify(problems.map((p) => p.message)));
      assert.equal(problems[0]!.kind, 'syntax');
    });
  }
});

describe('loadConfig on NUL in strings', () => {
  let folder: Awaited<ReturnType<typeof configFolder>>;
  beforeEach(async () => (folder = await configFolder()));
  afterEach(() => folder.remove());

  // Failed before: check accepted each, and start then failed every spawn of the app
  // ("The argument 'args[3]' must be a string without null bytes") in a restart loop.
  for (const [key, app, path] of [
    ['processPath', { processPath: 'no\u0000de' }, 'apps[0].processPath'],
    ['a path processPath', { processPath: './no\u0000de' }, 'apps[0].processPath'],
    ['arguments', { arguments: ['server.js', 'a\u0000b'] }, 'apps[0].arguments[1]'],
    ['arguments as one string', { arguments: 'server.js a\u0000b' }, 'apps[0].arguments'],
    ['stdoutLogFile', { stdoutLogEnabled: true, stdoutLogFile: 'lo\u0000g' }, 'apps[0].stdoutLogFile'],
    ['watchedFiles', { watchedFiles: ['a\u0000b'] }, 'apps[0].watchedFiles[0]'],
  ] as const) {
    it(`refuses a NUL in ${key}, which no process can be given`, async () => {
      const problems = await problemsOf(loadConfig(await folder.write('p.json', minimal(app)), { env }));
      assert.deepEqual(
        problems.map((p) => [p.kind, p.path, p.message]),
        [['pattern', path, 'holds a NUL character (\\u0000), which no path, argument or name can carry']],
      );
    });
  }
});

describe('loadConfig on an environment variable named __proto__', () => {
  // Failed before: check accepted it, and the loader's defaults (TypeBox's Value.Default, which
  // copies by assignment) dropped it, so the backend started without it and nothing said so.
  for (const [name, text] of [
    ['JSON', '{"listen": [{"port": 8080}], "apps": [{"name": "shop", "processPath": "node", "environmentVariables": {"__proto__": "x", "A": "1"}}]}'],
    ['YAML', 'listen: [{port: 8080}]\napps:\n  - name: shop\n    processPath: node\n    environmentVariables:\n      __proto__: x\n      A: "1"\n'],
  ] as const) {
    it(`refuses it in ${name}, which it would otherwise drop`, async () => {
      const folder = await configFolder();
      const problems = await problemsOf(loadConfig(await folder.write(name === 'JSON' ? 'p.json' : 'p.yaml', text), { env }));
      await folder.remove();
      assert.deepEqual(problems.map((p) => [p.path, p.message]), [['apps[0].environmentVariables.__proto__', 'is "__proto__", a name the config loader cannot keep']]);
    });
  }
});

describe('loadConfig on NUL in a path that must exist', () => {
  it('says the NUL once, not also that the path does not exist', async () => {
    const folder = await configFolder();
    const problems = await problemsOf(loadConfig(await folder.write('p.json', minimal({ workingDirectory: '/tm\u0000p' })), { env }));
    await folder.remove();
    assert.deepEqual(problems.map((p) => p.message), ['holds a NUL character (\\u0000), which no path, argument or name can carry']);
  });
});

describe('loadConfig on arguments and environment too big to spawn', () => {
  let folder: Awaited<ReturnType<typeof configFolder>>;
  beforeEach(async () => (folder = await configFolder()));
  afterEach(() => folder.remove());

  // Failed before: check accepted each, and every start then failed with "spawn E2BIG".
  it('refuses one environment variable past the 128 KiB Linux allows one string', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.json', minimal({ environmentVariables: { BIG: 'x'.repeat(200_000) } })), { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.path]), [['range', 'apps[0].environmentVariables.BIG']]);
    assert.match(problems[0]!.message, /^is 200,004 bytes as BIG=value, past the 131,071 one argument or variable may have: every start would fail \(E2BIG\)/);
  });

  it('refuses one argument past it, and a total past 1 MiB', async () => {
    const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`V${i}`, 'x'.repeat(100_000)]));
    const problems = await problemsOf(loadConfig(await folder.write('p.json', minimal({ arguments: ['x'.repeat(140_000)], environmentVariables: many })), { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.path]), [['range', 'apps[0].arguments[0]'], ['range', 'apps[0]']]);
    assert.match(problems[1]!.message, /^gives each process 1,340,\d{3} bytes of arguments and environment variables, counted as the system counts them \(each one's bytes and its pointer, 8 bytes\), past the 1,048,576 Portico allows/);
  });

  // Failed before: the total counted the strings only, 980,000 bytes here, and passed; but the
  // kernel counts each string's pointer (8 bytes) against the same limit, and a spawn with these
  // 140,000 short variables fails with E2BIG on Linux's usual 2 MiB (an 8 MiB stack), whatever
  // else the environment holds. The check is called on its own: loading a config of 140,000
  // variables takes seconds, the check milliseconds.
  it('counts each argument\'s and variable\'s pointer in the total, as the kernel does', () => {
    const digits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    // V and three of the 62 digits: 140,000 names of 7 bytes each as NAME=1 and its NUL.
    const name = (i: number): string => `V${digits[i % 62]}${digits[Math.floor(i / 62) % 62]}${digits[Math.floor(i / 3844)]}`;
    const many = Object.fromEntries(Array.from({ length: 140_000 }, (_, i) => [name(i), '1']));
    const problems = checkSpawnSizes({ apps: [{ name: 'shop', processPath: 'node', arguments: [], environmentVariables: many }] });
    assert.deepEqual(problems.map((p) => [p.kind, p.path]), [['range', ['apps', 0]]]);
    assert.match(problems[0]!.message, /^gives each process 2,1\d\d,\d{3} bytes of arguments and environment variables/);
  });
});
