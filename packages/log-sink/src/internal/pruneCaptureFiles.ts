import { lstat, lutimes, open, readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { captureFilePattern } from './captureFileName.ts';
import { isLive } from './liveCaptureFiles.ts';
import { logFileFlags } from './logFileFlags.ts';
import { refusedLink } from './refusedLink.ts';

/** Which capture files of a prefix stay on disk, over all its processes. */
export interface RetentionPolicy {
  /** Files kept, the newest. */
  readonly retain: number;
  /** Files last written longer ago than this are deleted; `undefined`: no limit. */
  readonly maxAgeMs: number | undefined;
  /** The oldest files are deleted while all of them together are larger; `undefined`: no limit. */
  readonly maxTotalBytes: number | undefined;
  /** Gzip every file no process writes any more, to `<name>.log.gz`. */
  readonly compress: boolean;
}

export interface PruneResult {
  readonly deleted: string[];
  readonly compressed: string[];
  /** The first thing that failed; the sweep goes on with what it can still do. */
  failure?: { readonly file: string; readonly error: NodeJS.ErrnoException };
}

interface OnDisk {
  path: string;
  bytes: number;
  readonly mtimeMs: number;
  compressed: boolean;
}

// One sweep at a time per prefix: two workers of an app starting together must not gzip the same file.
const sweeps = new Map<string, Promise<PruneResult>>();

/**
 * Applies `policy` to the files of `prefix` (every process's, `captureFilePattern`): compresses
 * the ended ones if asked, then deletes the oldest by age, count and total size. A file a running
 * capture writes now is never touched, though it counts. Never rejects: the first failure (a
 * read-only folder, a full disk) is returned, and a compression that failed leaves the original.
 */
export function pruneCaptureFiles(prefix: string, policy: RetentionPolicy, now: number): Promise<PruneResult> {
  const run = (sweeps.get(prefix) ?? Promise.resolve()).then(() => sweep(prefix, policy, now));
  sweeps.set(prefix, run);
  const forget = () => {
    if (sweeps.get(prefix) === run) sweeps.delete(prefix);
  };
  void run.then(forget, forget);
  return run;
}

async function sweep(prefix: string, policy: RetentionPolicy, now: number): Promise<PruneResult> {
  const result: PruneResult = { deleted: [], compressed: [] };
  const fail = (file: string, error: unknown) => {
    result.failure ??= { file, error: toErrno(error) };
  };
  const folder = dirname(prefix);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    fail(folder, error);
    return result;
  }
  const pattern = captureFilePattern(basename(prefix));
  const files: OnDisk[] = [];
  for (const name of names) {
    const found = pattern.exec(name);
    if (found === null) continue;
    const path = join(folder, name);
    try {
      const stats = await lstat(path);
      if (stats.isFile()) files.push({ path, bytes: stats.size, mtimeMs: stats.mtimeMs, compressed: found[1] !== undefined });
    } catch (error) {
      // A file deleted since readdir (by an operator, or a capture's own rotation) is just gone.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') fail(path, error);
    }
  }

  if (policy.compress) {
    for (const file of files) {
      if (file.compressed || isLive(prefix, file.path)) continue;
      try {
        const gz = await gzipFile(file.path, file.mtimeMs);
        result.compressed.push(file.path);
        Object.assign(file, gz);
      } catch (error) {
        fail(file.path, error);
        // On a full disk the next one would fail the same way.
        break;
      }
    }
  }

  files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : 1));
  let count = files.length;
  let total = files.reduce((sum, f) => sum + f.bytes, 0);
  for (const file of files) {
    if (isLive(prefix, file.path)) continue;
    const tooOld = policy.maxAgeMs !== undefined && now - file.mtimeMs > policy.maxAgeMs;
    const tooMany = count > policy.retain || (policy.maxTotalBytes !== undefined && total > policy.maxTotalBytes);
    if (!tooOld && !tooMany) continue;
    try {
      await unlink(file.path);
      result.deleted.push(file.path);
    } catch (error) {
      // Counted as gone all the same: a stuck old file must not cost the newest ones.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') fail(file.path, error);
    }
    count -= 1;
    total -= file.bytes;
  }
  return result;
}

/** Writes `<path>.gz`, gives it the original's time (age is judged by it), then removes the original. */
async function gzipFile(path: string, mtimeMs: number): Promise<{ path: string; bytes: number; compressed: true }> {
  const gz = `${path}.gz`;
  try {
    // A .gz left by a sweep cut short is overwritten: its original is still there.
    // Neither through a link planted since the sweep listed the file, nor into one planted as its .gz.
    const input = await open(path, logFileFlags.read);
    const output = await open(gz, logFileFlags.replace).catch(async (error: unknown) => {
      await input.close();
      throw error;
    });
    // The streams close the handles, on an error too.
    await pipeline(input.createReadStream(), createGzip(), output.createWriteStream({ flush: true }));
    const time = new Date(mtimeMs);
    // lutimes: the .gz was made a file above, and a link planted since is not followed.
    await lutimes(gz, time, time);
  } catch (error) {
    // A link planted as the .gz goes too: it has a name only a capture gives.
    await unlink(gz).catch(() => {});
    throw refusedLink((error as NodeJS.ErrnoException).path ?? gz, error);
  }
  await unlink(path);
  return { path: gz, bytes: (await lstat(gz)).size, compressed: true };
}

function toErrno(error: unknown): NodeJS.ErrnoException {
  return error instanceof Error ? error : Object.assign(new Error(String(error)), { code: 'UNKNOWN' });
}
