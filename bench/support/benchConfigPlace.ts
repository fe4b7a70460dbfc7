import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a benchmark's Portico config says it lives: an empty directory of its own. An app's
 * directory is watched for app_offline.htm, so a config placed in the shared temporary directory
 * woke Portico's event loop for every file any other process wrote there (strace showed one
 * extra loop turn a request on a busy machine): a measure of the machine, not of Portico.
 * The directory goes when the process exits (a role process stopped by its bench exits).
 */
export function benchConfigPlace(name = 'portico-bench.json'): { file: string; baseDir: string } {
  const baseDir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  process.once('exit', () => rmSync(baseDir, { recursive: true, force: true }));
  return { file: join(baseDir, name), baseDir };
}
