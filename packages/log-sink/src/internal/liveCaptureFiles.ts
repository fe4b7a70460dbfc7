/**
 * The file each running capture of this process writes now, by prefix. Retention never deletes
 * or compresses one of them. It is module state on purpose: the captures of an app's old workers
 * (still draining after a reload made a new pool) and of its new ones share a prefix but not an
 * owner, and all of them must be seen by every sweep.
 */
const live = new Map<string, Set<string>>();

export function markLive(prefix: string, path: string): void {
  let files = live.get(prefix);
  if (files === undefined) live.set(prefix, (files = new Set()));
  files.add(path);
}

export function markEnded(prefix: string, path: string): void {
  const files = live.get(prefix);
  files?.delete(path);
  if (files?.size === 0) live.delete(prefix);
}

export function isLive(prefix: string, path: string): boolean {
  return live.get(prefix)?.has(path) ?? false;
}
