import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigInvalid, type ConfigProblem } from '@portico/portico';

/** A fresh folder for config files; `files` are created relative to it. */
export async function configFolder(files: Record<string, string> = {}): Promise<{ dir: string; write: (name: string, text: string) => Promise<string>; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-config-'));
  const write = async (name: string, text: string): Promise<string> => {
    const file = join(dir, name);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    return file;
  };
  for (const [name, text] of Object.entries(files)) await write(name, text);
  return { dir, write, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The smallest valid config, with `app` merged into its one app. */
export function minimal(app: Record<string, unknown> = {}, top: Record<string, unknown> = {}): string {
  return JSON.stringify({ listen: [{ port: 8080 }], apps: [{ name: 'shop', processPath: 'node', ...app }], ...top });
}

/** The problems of a promise expected to fail with ConfigInvalid. */
export async function problemsOf(load: Promise<unknown>): Promise<readonly ConfigProblem[]> {
  try {
    await load;
  } catch (error) {
    if (error instanceof ConfigInvalid) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

export const at = (problems: readonly ConfigProblem[], path: string): ConfigProblem | undefined => problems.find((p) => p.path === path);
