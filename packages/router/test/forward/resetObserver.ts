// A client that tells a reset from a clean close, whatever else arrived with it. A Node (libuv)
// client cannot: when an RST arrives right behind data it has not read, libuv's read of that data
// is short, the poll reports a hang-up, and libuv reports EOF without reading again, so the socket
// ends cleanly although the wire carried an RST (seen with strace: SO_LINGER 0, then close). A
// python3 child reads until recv() fails or returns nothing, which the kernel keeps apart.
import { spawn } from 'node:child_process';

const SCRIPT = `
import socket, sys
c = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
c.sendall(sys.stdin.buffer.read())
got = b''
ended = 'end'
try:
    while True:
        d = c.recv(65536)
        if not d:
            break
        got += d
except ConnectionResetError:
    ended = 'reset'
sys.stdout.write(ended + '\\n' + got.decode('latin1'))
`;

/** Sends `request` from a python3 client and reports the reply and how the connection ended. */
export async function requestSeeingResets(port: number, request: string): Promise<{ readonly text: string; readonly ended: 'end' | 'reset' }> {
  const child = spawn('python3', ['-c', SCRIPT, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('latin1');
  child.stdout.on('data', (d: string) => (out += d));
  child.stdin.end(Buffer.from(request, 'latin1'));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the python3 client exited with ${String(code)}`);
  const newline = out.indexOf('\n');
  return { ended: out.slice(0, newline) as 'end' | 'reset', text: out.slice(newline + 1) };
}
