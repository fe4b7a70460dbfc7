import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Which of `pids` holds the server side of the TCP connection from the client's `clientPort` to
 * `serverPort` on loopback (Linux: the socket's inode from /proc/net/tcp, then the process whose
 * fd links to it). Undefined when none does (yet).
 */
export async function socketOwner(serverPort: number, clientPort: number, pids: readonly number[]): Promise<number | undefined> {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(`:${hex(serverPort)}`) && fields[2]?.endsWith(`:${hex(clientPort)}`)) inode = fields[9];
    }
  }
  if (inode === undefined) return undefined;
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === `socket:[${inode}]`) return pid;
  }
  return undefined;
}
