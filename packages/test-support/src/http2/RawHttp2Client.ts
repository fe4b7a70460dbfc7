import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { data } from './data.ts';
import { Flag } from './Flag.ts';
import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';
import { headerBlock } from './headerBlock.ts';
import { headers } from './headers.ts';
import { PREFACE } from './PREFACE.ts';
import type { ReceivedFrame } from './ReceivedFrame.ts';
import { request } from './request.ts';
import { rstStream } from './rstStream.ts';
import { settings } from './settings.ts';
import { settingsAck } from './settingsAck.ts';
import type { StreamOutcome } from './StreamOutcome.ts';

const EMPTY = Buffer.alloc(0);
const PING_DATA = Buffer.from('roundtrp', 'latin1');

/**
 * An HTTP/2 client written frame by frame, for tests that need what node:http2's client will not
 * do or will not show: send a malformed or hostile frame (CR/LF in a value, a flood, a header block
 * never ended), send a frame the turn it is asked (node:http2 writes a turn late), or see the
 * frames that arrived for a stream it has closed. It sends the preface and an empty SETTINGS,
 * acknowledges the server's SETTINGS, and keeps every frame the server sends, DATA without its
 * payload (floods would pile it up; tests look at where a stream's data ends, not at its bytes).
 *
 * @example
 * const client = await RawHttp2Client.connect(port);
 * client.get(1);
 * client.reset(1);
 * await client.ping(); // every frame the server sent before its PING ACK is in client.frames now
 */
export class RawHttp2Client {
  readonly socket: net.Socket;
  readonly frames: ReceivedFrame[] = [];
  #buffer = EMPTY;
  #waiters: Array<() => void> = [];
  #closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  /**
   * Connects, sends the preface and SETTINGS, and resolves once the server's SETTINGS arrived.
   * `ca`: over TLS, ALPN `h2`, trusting that certificate; else plain (h2c with prior knowledge).
   * `awaitServerSettings: false` resolves as soon as the preface is written, so that what the
   * test sends next reaches the server with it, in the server's first read: a race between a
   * request's first turn and a reset happens only there (forwarderIncomplete.test.ts).
   */
  static async connect(port: number, options: { readonly ca?: string; readonly awaitServerSettings?: boolean } = {}): Promise<RawHttp2Client> {
    const socket = options.ca === undefined ? net.connect(port, '127.0.0.1') : tls.connect({ host: '127.0.0.1', port, ca: options.ca, ALPNProtocols: ['h2'] });
    await once(socket, options.ca === undefined ? 'connect' : 'secureConnect');
    const client = new RawHttp2Client(socket);
    socket.write(Buffer.concat([PREFACE, settings()]));
    if (options.awaitServerSettings !== false) await client.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0);
    return client;
  }

  /** Whether the connection has closed (either side). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Writes `frames` now, in one write; nothing once the socket is gone. */
  send(...frames: Buffer[]): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.concat(frames));
  }

  /** HEADERS for a GET of `path` on `streamId`, ending the stream. */
  get(streamId: number, path = '/'): void {
    this.send(headers(streamId, request('GET', path), true));
  }

  /** HEADERS for a POST of `path` on `streamId` whose body is still to come (`data`). */
  post(streamId: number, path = '/'): void {
    this.send(headers(streamId, request('POST', path), false));
  }

  /** A DATA frame on `streamId`, ending the stream or not. */
  data(streamId: number, bytes: Buffer, endStream: boolean): void {
    this.send(data(streamId, bytes, endStream));
  }

  /** HEADERS for a GET on `streamId` whose header block never ends (no END_HEADERS, no CONTINUATION). */
  openHeaderBlock(streamId: number): void {
    this.send(frame(FrameType.HEADERS, Flag.END_STREAM, streamId, headerBlock([[':method', 'GET']])));
  }

  /** RST_STREAM with `code` (CANCEL by default), written now. */
  reset(streamId: number, code = 0x8): void {
    this.send(rstStream(streamId, code));
  }

  /**
   * A PING, resolved by its ACK: every frame the server sent before the ACK is in `frames` then.
   * Its own ACK: an earlier PING's, already in `frames`, resolved a later one at once, before the
   * server had read what came between.
   */
  async ping(): Promise<void> {
    const isAck = (f: ReceivedFrame) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0 && f.payload.equals(PING_DATA);
    let next = this.frames.length;
    this.send(frame(FrameType.PING, 0, 0, PING_DATA));
    await this.until(() => {
      for (; next < this.frames.length; next++) if (isAck(this.frames[next]!)) return true;
      return false;
    });
  }

  /** Resolves with the first frame (past or future) that matches, or undefined once the connection closed. */
  async waitFor(match: (f: ReceivedFrame) => boolean): Promise<ReceivedFrame | undefined> {
    for (;;) {
      const found = this.frames.find(match);
      if (found !== undefined || this.#closed) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves once `done()` holds, looked at after each frame; rejects if the connection closes first. */
  async until(done: () => boolean): Promise<void> {
    for (;;) {
      if (done()) return;
      if (this.#closed) throw new Error('the HTTP/2 connection closed before the condition held');
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** How stream `id` ended: its response, a reset, or the connection's end. */
  async outcome(id: number): Promise<StreamOutcome> {
    const f = await this.waitFor((x) => x.streamId === id && (x.type === FrameType.HEADERS || x.type === FrameType.RST_STREAM));
    if (f === undefined) return { kind: 'closed' };
    if (f.type === FrameType.RST_STREAM) return { kind: 'reset', code: f.payload.readUInt32BE(0) };
    return { kind: 'response', firstByte: f.payload[0]! };
  }

  /** The frames of `type` the server sent on `streamId`. */
  framesOf(type: number, streamId: number): ReceivedFrame[] {
    return this.frames.filter((f) => f.type === type && f.streamId === streamId);
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
      this.frames.push(f.type === FrameType.DATA ? { ...f, payload: EMPTY } : f);
      if (f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0) this.send(settingsAck());
    }
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
