/**
 * Where each HTTP/1.1 response ends in the bytes of a keep-alive connection, for the paced load
 * generator (drivePacedLoad.ts). It reads only what the benchmarks' backends send through every
 * proxy: a status line, header fields and a `Content-Length` body. Anything else (chunked, no
 * length, an interim 1xx) is refused with an error, not miscounted: a response counted at the
 * wrong byte would shift every later latency on the connection.
 */
export class ResponseFramer {
  /** The longest head read: the benchmarks' heads are a few hundred bytes. */
  static readonly maxHeadBytes = 16 * 1024;
  /** Bytes of a head whose end has not arrived yet. */
  #head: Buffer = Buffer.alloc(0);
  #bodyLeft = 0;
  #status = 0;

  /** Reads `chunk`; calls `answered` with the status of each response it completes. */
  push(chunk: Buffer, answered: (status: number) => void): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#bodyLeft > 0) {
        const take = Math.min(this.#bodyLeft, chunk.length - at);
        this.#bodyLeft -= take;
        at += take;
        if (this.#bodyLeft === 0) answered(this.#status);
        continue;
      }
      const held = this.#head.length;
      const bytes = held === 0 ? chunk.subarray(at) : Buffer.concat([this.#head, chunk.subarray(at)]);
      const end = bytes.indexOf('\r\n\r\n');
      if (end < 0) {
        if (bytes.length > ResponseFramer.maxHeadBytes) throw new Error(`a response head longer than ${ResponseFramer.maxHeadBytes} bytes: the paced load reads small responses only`);
        this.#head = Buffer.from(bytes);
        return;
      }
      this.#head = Buffer.alloc(0);
      // The held bytes hold no end of head, so the end lies in this chunk.
      at += end + 4 - held;
      this.#bodyLeft = this.#readHead(bytes.toString('latin1', 0, end));
      if (this.#bodyLeft === 0) answered(this.#status);
    }
  }

  /** The status and the body's length from a head. */
  #readHead(head: string): number {
    const status = /^HTTP\/1\.[01] (\d{3}) /.exec(head);
    if (status === null) throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify(head.slice(0, 40))}`);
    this.#status = Number(status[1]);
    if (this.#status < 200) throw new Error(`an interim ${this.#status} response: the paced load reads final responses only`);
    if (/\r\ntransfer-encoding:/i.test(head)) throw new Error('a chunked response: the paced load reads Content-Length bodies only (have the backend send a fixed body)');
    const length = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(?:\r\n|$)/i.exec(head);
    if (length === null) throw new Error('a response without Content-Length: the paced load cannot tell where it ends');
    return Number(length[1]);
  }
}
