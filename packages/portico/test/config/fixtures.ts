import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigInvalidError, type ConfigProblem } from '@portico/portico';

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

/** The problems of a promise expected to fail with ConfigInvalidError. */
export async function problemsOf(load: Promise<unknown>): Promise<readonly ConfigProblem[]> {
  try {
    await load;
  } catch (error) {
    if (error instanceof ConfigInvalidError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

export const at = (problems: readonly ConfigProblem[], path: string): ConfigProblem | undefined => problems.find((p) => p.path === path);

/** A self-signed certificate and its key, as PEM text: TLS files that `loadConfig` accepts. Needs openssl. */
export function selfSignedPem(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'self-signed.pem');
  const key = join(dir, 'self-signed.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-days', '2'], { stdio: 'ignore' });
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}
