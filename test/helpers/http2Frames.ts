// Raw HTTP/2 frames for attack tests: what node:http2's client refuses to send (CR/LF in values,
// upper-case names, transfer-encoding, a content-length that DATA contradicts, floods). HPACK is
// written by hand as literals without indexing (RFC 7541 §6.2.2), or with incremental indexing and
// indexed references for the bomb, never Huffman-coded.
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';

const EMPTY = Buffer.alloc(0);

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = { DATA: 0x0, HEADERS: 0x1, PRIORITY: 0x2, RST_STREAM: 0x3, SETTINGS: 0x4, PING: 0x6, GOAWAY: 0x7, WINDOW_UPDATE: 0x8, CONTINUATION: 0x9 } as const;
export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;

/** One frame: 24-bit length, type, flags, 31-bit stream id, payload (RFC 9113 §4.1). */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK integer with an `prefixBits`-bit prefix, `high` holding the first byte's other bits (RFC 7541 §5.1). */
function integer(value: number, prefixBits: number, high: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [high | value];
  const out = [high | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function literalString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([Buffer.from(integer(bytes.length, 7, 0)), bytes]);
}

/** A header block of literal fields without indexing, names and values as given, byte for byte. */
export function headerBlock(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.concat(fields.flatMap(([name, value]) => [Buffer.from([0x00]), literalString(name), literalString(value)]));
}

/** A literal field with incremental indexing: it enters the dynamic table (index 62 when it is the newest). */
export function indexedLiteral(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x40]), literalString(name), literalString(value)]);
}

/** A reference to table entry `index` (RFC 7541 §6.1). */
export function indexed(index: number): Buffer {
  return Buffer.from(integer(index, 7, 0x80));
}

/** HEADERS carrying a whole request (END_HEADERS), optionally ending the stream. */
export function headers(streamId: number, fields: ReadonlyArray<readonly [string, string]>, endStream: boolean): Buffer {
  return frame(FrameType.HEADERS, Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0), streamId, headerBlock(fields));
}

export function data(streamId: number, bytes: string | Buffer, endStream: boolean): Buffer {
  return frame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
}

export function rstStream(streamId: number, code = 0x8): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}

export const settings = (): Buffer => frame(FrameType.SETTINGS, 0, 0);
/** SETTINGS_INITIAL_WINDOW_SIZE (0x4) = `size`: how much DATA the server may send on each stream before a WINDOW_UPDATE for it. */
export const initialWindow = (size: number): Buffer => {
  const payload = Buffer.alloc(6);
  payload.writeUInt16BE(0x4, 0);
  payload.writeUInt32BE(size, 2);
  return frame(FrameType.SETTINGS, 0, 0, payload);
};
export const windowUpdate = (streamId: number, increment: number): Buffer => {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(increment);
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
};
export const settingsAck = (): Buffer => frame(FrameType.SETTINGS, Flag.ACK, 0);
export const ping = (n: number): Buffer => {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(n, 4);
  return frame(FrameType.PING, 0, 0, payload);
};

/** The base fields of a request to the front; `extra` follow them. */
export function request(method: string, path: string, extra: ReadonlyArray<readonly [string, string]> = []): Array<readonly [string, string]> {
  return [[':method', method], [':scheme', 'http'], [':path', path], [':authority', 'front.test'], ...extra];
}

export interface ReceivedFrame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/**
 * A raw HTTP/2 client connection: sends the preface and an empty SETTINGS, acknowledges the
 * server's SETTINGS, and records every frame the server sends.
 */
export class RawHttp2Client {
  readonly socket: net.Socket;
  readonly frames: ReceivedFrame[] = [];
  #buffer = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
  }

  /** `ca`: over TLS, ALPN `h2`, trusting that certificate; else plain (h2c with prior knowledge). */
  static async connect(port: number, options: { readonly ackSettings?: boolean; readonly ca?: string } = {}): Promise<RawHttp2Client> {
    const socket = options.ca === undefined ? net.connect(port, '127.0.0.1') : tls.connect({ host: '127.0.0.1', port, ca: options.ca, ALPNProtocols: ['h2'] });
    await once(socket, options.ca === undefined ? 'connect' : 'secureConnect');
    const client = new RawHttp2Client(socket);
    socket.write(Buffer.concat([PREFACE, settings()]));
    await client.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0);
    if (options.ackSettings !== false) socket.write(settingsAck());
    return client;
  }

  send(...frames: Buffer[]): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.concat(frames));
  }

  /** Resolves with the first frame (past or future) that matches, or undefined once the connection closed. */
  async waitFor(match: (f: ReceivedFrame) => boolean): Promise<ReceivedFrame | undefined> {
    for (;;) {
      const found = this.frames.find(match);
      if (found !== undefined || this.closed) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** How stream `id` ended: its response's first header byte (HPACK static index: 0x88 is 200, 0x8c 400), a reset code, or the connection's end. */
  async outcome(id: number): Promise<{ readonly kind: 'response'; readonly firstByte: number } | { readonly kind: 'reset'; readonly code: number } | { readonly kind: 'closed' }> {
    const f = await this.waitFor((x) => x.streamId === id && (x.type === FrameType.HEADERS || x.type === FrameType.RST_STREAM));
    if (f === undefined) return { kind: 'closed' };
    if (f.type === FrameType.RST_STREAM) return { kind: 'reset', code: f.payload.readUInt32BE(0) };
    return { kind: 'response', firstByte: f.payload[0]! };
  }

  close(): void {
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 9) {
      const length = this.#buffer.readUIntBE(0, 3);
      if (this.#buffer.length < 9 + length) break;
      const f = { type: this.#buffer[3]!, flags: this.#buffer[4]!, streamId: this.#buffer.readUInt32BE(5) & 0x7fffffff, payload: Buffer.from(this.#buffer.subarray(9, 9 + length)) };
      this.#buffer = this.#buffer.subarray(9 + length);
      // Keep what tests look at: DATA without its payload (which floods would pile up), so that
      // a test can see a stream's data end.
      this.frames.push(f.type === FrameType.DATA ? { ...f, payload: EMPTY } : f);
    }
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
