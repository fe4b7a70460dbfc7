// An HTTP/2 client written frame by frame, for tests that need to know what went over the wire
// and when: node:http2's client hides which frames arrived for a stream it has closed, and sends
// its own frames a turn late. Header blocks are HPACK literals without indexing (RFC 7541 §6.2.2).
import { once } from 'node:events';
import net from 'node:net';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = { DATA: 0x0, HEADERS: 0x1, RST_STREAM: 0x3, SETTINGS: 0x4, PING: 0x6, GOAWAY: 0x7 } as const;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const ACK = 0x1;

export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** One frame: 24-bit length, type, flags, 31-bit stream id, payload (RFC 9113 §4.1). */
function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** A string literal of fewer than 127 bytes, not Huffman-coded. */
function literal(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length >= 127) throw new Error('a test field of 127 bytes or more');
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** A connection that has sent its preface and SETTINGS, and keeps every frame the server sends. */
export class RawHttp2Client {
  readonly socket: net.Socket;
  readonly frames: Frame[] = [];
  #buffered = Buffer.alloc(0);
  #waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  static async connect(port: number): Promise<RawHttp2Client> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const client = new RawHttp2Client(socket);
    socket.write(Buffer.concat([PREFACE, frame(FrameType.SETTINGS, 0, 0)]));
    return client;
  }

  /** HEADERS for a GET of `path` on `streamId`, ending the stream. */
  get(streamId: number, path = '/'): void {
    const fields = [[':method', 'GET'], [':scheme', 'http'], [':authority', 'a'], [':path', path]];
    const block = Buffer.concat(fields.flatMap(([name, value]) => [Buffer.from([0x00]), literal(name!), literal(value!)]));
    this.socket.write(frame(FrameType.HEADERS, END_HEADERS | END_STREAM, streamId, block));
  }

  /** HEADERS for a POST of `path` on `streamId` whose body is still to come (DATA frames, `data`). */
  post(streamId: number, path = '/'): void {
    const fields = [[':method', 'POST'], [':scheme', 'http'], [':authority', 'a'], [':path', path]];
    const block = Buffer.concat(fields.flatMap(([name, value]) => [Buffer.from([0x00]), literal(name!), literal(value!)]));
    this.socket.write(frame(FrameType.HEADERS, END_HEADERS, streamId, block));
  }

  /** A DATA frame on `streamId`, ending the stream or not. */
  data(streamId: number, bytes: Buffer, endStream: boolean): void {
    this.socket.write(frame(FrameType.DATA, endStream ? END_STREAM : 0, streamId, bytes));
  }

  /** A HEADERS frame for a GET on `streamId` whose header block never ends (no END_HEADERS, no CONTINUATION). */
  openHeaderBlock(streamId: number): void {
    const block = Buffer.concat([Buffer.from([0x00]), literal(':method'), literal('GET')]);
    this.socket.write(frame(FrameType.HEADERS, END_STREAM, streamId, block));
  }

  /** RST_STREAM with `code` (CANCEL by default), written now. */
  reset(streamId: number, code = 0x8): void {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(code);
    this.socket.write(frame(FrameType.RST_STREAM, 0, streamId, payload));
  }

  /** A PING, resolved by its ACK: every frame the server sent before the ACK is in `frames` then. */
  async ping(): Promise<void> {
    const data = Buffer.from('roundtrp', 'latin1');
    const acked = (): boolean => this.frames.some((f) => f.type === FrameType.PING && (f.flags & ACK) !== 0 && f.payload.equals(data));
    this.socket.write(frame(FrameType.PING, 0, 0, data));
    await this.until(acked);
  }

  /** Resolves once `done()` holds, looked at after each frame. */
  until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const look = (): void => {
        if (done()) resolve();
        else this.#waiters.push(look);
      };
      this.#waiters.push(look);
    });
  }

  /** The frames of `type` the server sent on `streamId`. */
  framesOf(type: number, streamId: number): Frame[] {
    return this.frames.filter((f) => f.type === type && f.streamId === streamId);
  }

  #onData(chunk: Buffer): void {
    let data = Buffer.concat([this.#buffered, chunk]);
    while (data.length >= 9) {
      const length = data.readUIntBE(0, 3);
      if (data.length < 9 + length) break;
      const f: Frame = { type: data[3]!, flags: data[4]!, streamId: data.readUInt32BE(5) & 0x7fffffff, payload: Buffer.from(data.subarray(9, 9 + length)) };
      data = data.subarray(9 + length);
      this.frames.push(f);
      if (f.type === FrameType.SETTINGS && (f.flags & ACK) === 0) this.socket.write(frame(FrameType.SETTINGS, ACK, 0));
    }
    this.#buffered = Buffer.from(data);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
