import http from 'node:http';
import { once } from 'node:events';
import WebSocket from 'ws';

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One request to the admin server on 127.0.0.1, with the headers given (Host included, if set). */
export function request(port: number, method: string, path: string, headers: Readonly<Record<string, string>> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A `/live` client that keeps every message it receives and can wait for one that matches. */
export class LiveClient {
  readonly ws: WebSocket;
  readonly messages: { type: string; [key: string]: unknown }[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(port: number, headers: Readonly<Record<string, string>> = {}) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/live`, { headers });
    this.ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as { type: string });
      for (const waiter of this.#waiters) waiter();
    });
  }

  opened(): Promise<void> {
    return this.ws.readyState === WebSocket.OPEN ? Promise.resolve() : once(this.ws, 'open').then(() => undefined);
  }

  /** Resolves with the first message (already received or to come) that satisfies `match`. */
  next<T>(match: (message: { type: string; [key: string]: unknown }) => boolean, from = 0): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.slice(from).find(match);
        if (!found) return;
        this.#waiters.delete(check);
        resolve(found as T);
      };
      this.#waiters.add(check);
      this.ws.once('close', () => reject(new Error('the live socket closed while waiting')));
      check();
    });
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.ws.close();
    return once(this.ws, 'close').then(() => undefined);
  }
}
