import http from 'node:http';

/** What a run of back-to-back GETs got: every request is counted once, by outcome. */
export interface LoadTally {
  requests: number;
  ok: number;
  /** Statuses other than 200, and errors without a response, with a few examples. */
  failed: number;
  byStatus: Map<number, number>;
  errors: string[];
  /** Backend pids that answered, in the order first seen. */
  pids: number[];
  /** Requests over, per client loop. */
  perClient: number[];
}

/**
 * Keeps `clients` loops of back-to-back GETs to `path` running until `stop()` is called; the
 * promise it returns resolves with the tally once every loop's last request is over. The backend
 * is the echo fixture, which answers with its pid.
 */
export function startLoad(port: number, path = '/', clients = 4): { stop: () => Promise<LoadTally>; tally: LoadTally } {
  const tally: LoadTally = { requests: 0, ok: 0, failed: 0, byStatus: new Map(), errors: [], pids: [], perClient: Array.from({ length: clients }, () => 0) };
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      tally.requests++;
      const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + 1);
          if (status === 200) {
            tally.ok++;
            const pid = (JSON.parse(body) as { pid: number }).pid;
            if (!tally.pids.includes(pid)) tally.pids.push(pid);
          } else {
            tally.failed++;
            if (tally.errors.length < 5) tally.errors.push(`${status}: ${body.slice(0, 200)}`);
          }
          resolve();
        });
        res.on('error', (err) => {
          tally.failed++;
          if (tally.errors.length < 5) tally.errors.push(`body: ${err.message}`);
          resolve();
        });
      });
      req.on('error', (err) => {
        tally.failed++;
        if (tally.errors.length < 5) tally.errors.push(`no response: ${err.message}`);
        resolve();
      });
    });
  const loops = Array.from({ length: clients }, async (_, client) => {
    while (running) {
      await one();
      tally.perClient[client]!++;
    }
  });
  return {
    tally,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return tally;
    },
  };
}

/** Resolves once `predicate` holds, checked now and after every change Portico reports. */
export function changed(portico: { onChange(listener: () => void): () => void }, predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (predicate()) return resolve();
    const off = portico.onChange(() => {
      if (!predicate()) return;
      off();
      resolve();
    });
  });
}

/** Resolves once the load has seen `count` more answers than it had. */
export function answered(tally: LoadTally, count: number): Promise<void> {
  const target = tally.requests + count;
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (tally.requests < target) return;
      clearInterval(poll);
      resolve();
    }, 5);
  });
}

/**
 * Resolves once every client loop has finished a request it began after this call, so every
 * request in flight now is over (each loop sends one request at a time).
 */
export async function settled(tally: LoadTally): Promise<void> {
  const now = [...tally.perClient];
  while (tally.perClient.some((count, i) => count < now[i]! + 2)) await new Promise((resolve) => setTimeout(resolve, 5));
}
