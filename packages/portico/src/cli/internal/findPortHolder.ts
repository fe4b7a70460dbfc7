import { readdir, readFile, readlink } from 'node:fs/promises';

/** Who listens on a TCP port, as far as this user may see. */
export type PortHolder =
  | { readonly pid: number; readonly command: string }
  /** A socket listens there, but its process belongs to a user whose descriptors we cannot read. */
  | { readonly pid: undefined };

/**
 * Finds the process listening on TCP `port` on any address, from `/proc/net/tcp{,6}` (the
 * socket's inode) and `/proc/PID/fd` (which process holds that inode), as `ss -ltnp` does.
 * Undefined where there is no `/proc` (macOS) or no listening socket is found.
 */
export async function findPortHolder(port: number, proc = '/proc'): Promise<PortHolder | undefined> {
  const inodes = new Set<string>();
  for (const table of ['net/tcp', 'net/tcp6']) {
    const text = await readFile(`${proc}/${table}`, 'utf8').catch(() => '');
    for (const row of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = row.trim().split(/\s+/);
      const local = fields[1];
      if (local === undefined || fields[3] !== '0A') continue; // 0A: TCP_LISTEN
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && fields[9] !== undefined) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  const pids = (await readdir(proc).catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fds = await readdir(`${proc}/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`${proc}/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined && inodes.has(inode)) return { pid: Number(pid), command: await commandOf(proc, pid) };
    }
  }
  return { pid: undefined };
}

async function commandOf(proc: string, pid: string): Promise<string> {
  const cmdline = await readFile(`${proc}/${pid}/cmdline`, 'utf8').catch(() => '');
  const command = cmdline.replace(/\0+$/, '').split('\0').join(' ');
  return command.length > 100 ? `${command.slice(0, 99)}…` : command || `(process ${pid})`;
}
