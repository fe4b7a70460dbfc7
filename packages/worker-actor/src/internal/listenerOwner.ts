import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Whether the TCP socket listening on `port` belongs to a process in process group `pgid`.
 * A connect probe alone cannot tell our backend from another program that took its port between
 * Portico choosing it and the backend binding it; routing to that program would be wrong, and the
 * backend is about to exit with EADDRINUSE anyway (and be restarted on another port). Linux only:
 * where /proc is missing this answers true and the connect probe decides alone.
 */
export async function listenerOwnedBy(port: number, pgid: number): Promise<boolean> {
  let inodes: Set<string>;
  try {
    inodes = await listeningInodes(port);
  } catch {
    return true;
  }
  if (inodes.size === 0) return false;
  for (const pid of await groupMembers(pgid)) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return true;
    }
  }
  return false;
}

async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (table.endsWith('6') && error.code === 'ENOENT') return '';
      throw error;
    });
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXADDR:HEXPORT; state 0A is LISTEN; the inode is the tenth field.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

async function groupMembers(pgid: number): Promise<number[]> {
  const members: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the parenthesised command: state, ppid, pgrp.
    const pgrp = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2];
    if (Number(pgrp) === pgid) members.push(Number(entry));
  }
  return members;
}
