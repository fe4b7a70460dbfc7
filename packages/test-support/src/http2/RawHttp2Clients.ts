import { RawHttp2Client } from './RawHttp2Client.ts';

/**
 * The attacking connections a test opened, to close in its afterEach: an attack that failed
 * half-way leaves no socket to keep the front's drain, or the next test's figures, waiting.
 */
export class RawHttp2Clients {
  readonly #open: RawHttp2Client[] = [];

  /** RawHttp2Client.connect, the client kept to be closed by closeAll. */
  async connect(port: number, options: Parameters<typeof RawHttp2Client.connect>[1] = {}): Promise<RawHttp2Client> {
    const client = await RawHttp2Client.connect(port, options);
    this.#open.push(client);
    return client;
  }

  closeAll(): void {
    for (const client of this.#open.splice(0)) client.close();
  }
}
