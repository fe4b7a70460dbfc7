import net from 'node:net';

/** One response as a raw HTTP/1.1 client read it from Portico. */
export interface RawResponse {
  readonly status: number;
  /** Lower-case names; a repeated field's values joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The response's bytes as read, head included (latin1). */
  readonly raw: string;
}

/** What a raw client got when the connection ended before a whole response. */
export interface Cut {
  readonly cut: true;
  /** Everything read of the response before the end. */
  readonly raw: string;
}

/**
 * A raw HTTP/1.1 client on one connection: it writes bytes as given and reads Portico's
 * responses one at a time by their framing (Content-Length, chunked, none), so a test can send a
 * second request on the same connection and see whether a backend's stray bytes reached it.
 */
export class RawClient {
  readonly socket: net.Socket;
  #buffered = Buffer.alloc(0);
  #ended = false;
  #wake: (() => void) | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, chunk]);
      this.#wake?.();
    });
    const end = () => {
      this.#ended = true;
      this.#wake?.();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Whether the connection has ended (FIN, reset or error) with nothing more to read. */
  get ended(): boolean {
    return this.#ended && this.#buffered.length === 0;
  }

  /** Reads the next final response to a request of `method`, past any 1xx; a Cut if the connection ends first. */
  async response(method = 'GET'): Promise<RawResponse | Cut> {
    for (;;) {
      const next = await this.#next(method);
      if (!isResponse(next) || next.status >= 200 || next.status === 101) return next;
    }
  }

  async #next(method: string): Promise<RawResponse | Cut> {
    const end = await this.#until(() => this.#buffered.indexOf('\r\n\r\n'));
    if (end === undefined) return this.#cut();
    const head = this.#buffered.subarray(0, end).toString('latin1');
    const [statusLine, ...lines] = head.split('\r\n');
    const status = Number(statusLine!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const name = line.slice(0, line.indexOf(':')).toLowerCase();
      const value = line.slice(line.indexOf(':') + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const start = end + 4;
    let length: number | undefined;
    if (method === 'HEAD' || status === 204 || status === 304 || status < 200) length = 0;
    else if (headers['content-length'] !== undefined) length = Number(headers['content-length']);
    else if (headers['transfer-encoding'] === 'chunked') {
      const last = await this.#until(() => {
        const at = this.#buffered.indexOf('\r\n0\r\n\r\n', start - 2);
        return at === -1 ? -1 : at + 7;
      });
      if (last === undefined) return this.#cut();
      return this.#take(status, headers, last, decodeChunked(this.#buffered.subarray(start, last)));
    }
    if (length === undefined) {
      await this.#until(() => -1);
      return this.#take(status, headers, this.#buffered.length, this.#buffered.subarray(start).toString('latin1'));
    }
    const total = start + length;
    if ((await this.#until(() => (this.#buffered.length >= total ? total : -1))) === undefined) return this.#cut();
    return this.#take(status, headers, total, this.#buffered.subarray(start, total).toString('latin1'));
  }

  /** Resolves once the connection has ended, with what came after the last response read. */
  async rest(): Promise<string> {
    await this.#until(() => -1);
    return this.#cut().raw;
  }

  close(): void {
    this.socket.destroy();
  }

  #take(status: number, headers: Record<string, string>, end: number, body: string): RawResponse {
    const raw = this.#buffered.subarray(0, end).toString('latin1');
    this.#buffered = this.#buffered.subarray(end);
    return { status, headers, body, raw };
  }

  #cut(): Cut {
    const raw = this.#buffered.toString('latin1');
    this.#buffered = Buffer.alloc(0);
    return { cut: true, raw };
  }

  /** Waits until `found()` is not -1 (and returns it), or the connection ends (undefined). */
  async #until(found: () => number): Promise<number | undefined> {
    for (;;) {
      const at = found();
      if (at !== -1) return at;
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}

function decodeChunked(bytes: Buffer): string {
  let text = '';
  let at = 0;
  for (;;) {
    const line = bytes.indexOf('\r\n', at);
    const size = parseInt(bytes.subarray(at, line).toString('latin1'), 16);
    if (size === 0) return text;
    text += bytes.subarray(line + 2, line + 2 + size).toString('latin1');
    at = line + 2 + size + 2;
  }
}

/** Whether `r` is a whole response (not a cut). */
export const isResponse = (r: RawResponse | Cut): r is RawResponse => !('cut' in r);
