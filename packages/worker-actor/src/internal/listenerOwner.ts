import { open, readdir, readFile, readlink, type FileHandle } from 'node:fs/promises';

/**
 * Whether the TCP socket listening on `port` belongs to a process in process group `pgid`.
 * A connect probe alone cannot tell our backend from another program that took its port between
 * Portico choosing it and the backend binding it; routing to that program would be wrong, and the
 * backend is about to exit with EADDRINUSE anyway (and be restarted on another port). Linux only:
 * where /proc is missing this answers true and the connect probe decides alone. The scan of the
 * group reads a file per process on the machine; once `signal` is aborted it stops and answers
 * false, so that a worker stopped or restarted leaves no scan running behind it.
 */
export async function listenerOwnedBy(port: number, pgid: number, signal?: AbortSignal): Promise<boolean> {
  // The kernel walks its whole socket table to print these files (several ms on a big machine),
  // so the IPv6 table is read only when the IPv4 one has no listener on the port.
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let inodes: Set<string>;
    try {
      inodes = await listeningInodes(table, port);
    } catch {
      return true;
    }
    if (inodes.size === 0) continue;
    // Most backends listen in the group leader itself; scan the rest of the group only if not.
    if (await holdsSocket(pgid, inodes)) return true;
    for (const pid of await groupMembers(pgid, signal)) {
      if (signal?.aborted) return false;
      if (pid !== pgid && (await holdsSocket(pid, inodes))) return true;
    }
    return false;
  }
  return false;
}

async function holdsSocket(pid: number, inodes: ReadonlySet<string>): Promise<boolean> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
  return targets.some((target) => inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? ''));
}

/**
 * The kernel prints listening sockets before all others, and generates the file as it is read,
 * so reading stops at the first line that is not a listener: the cost is that of the listeners,
 * not of every connection on the machine.
 */
async function listeningInodes(table: string, port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let file: FileHandle;
  try {
    file = await open(table, 'r');
  } catch (error) {
    if (table.endsWith('6') && (error as NodeJS.ErrnoException).code === 'ENOENT') return inodes;
    throw error;
  }
  try {
    const buffer = Buffer.alloc(16 * 1024);
    let pending = '';
    let header = true;
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return inodes;
      const lines = (pending + buffer.toString('latin1', 0, bytesRead)).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (header) {
          header = false;
          continue;
        }
        const fields = line.trim().split(/\s+/);
        // local_address is HEXADDR:HEXPORT; state 0A is LISTEN; the inode is the tenth field.
        if (fields[3] !== '0A') return inodes;
        if (fields[1]?.endsWith(`:${hexPort}`) && fields[9]) inodes.add(fields[9]);
      }
    }
  } finally {
    await file.close();
  }
}

async function groupMembers(pgid: number, signal: AbortSignal | undefined): Promise<number[]> {
  const members: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (signal?.aborted) return [];
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the parenthesised command: state, ppid, pgrp.
    const pgrp = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2];
    if (Number(pgrp) === pgid) members.push(Number(entry));
  }
  return members;
}
