import type http from 'node:http';
import type { AppOutputFeed, AppOutputLine } from '../AdminSource.ts';

// A follower that reads slower than the apps write is cut off past this, rather than held in
// memory: what is unsent, in Node's buffers and in the batch not yet written, counted together.
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

/**
 * `GET /logs/lines[?app=A][&lines=N][&since=MS][&follow=1]`: the apps' output as JSON lines
 * (`{"app","worker","pid","stream","time","line"}`, `time` in ISO 8601 UTC), oldest first: the
 * lines kept, the last `lines` of each worker from `since` (epoch ms) on, then with `follow` every
 * new line as it is written, until the client goes away. The kept lines and the subscription are
 * taken in one turn, so no line falls between them.
 */
export function serveOutputLines(req: http.IncomingMessage, res: http.ServerResponse, feed: AppOutputFeed, send: (status: number, body: string) => void): void {
  const query = new URL(req.url ?? '/', 'http://admin').searchParams;
  const app = query.get('app') ?? undefined;
  const lines = wholeNumber(query.get('lines'));
  const since = wholeNumber(query.get('since'));
  if (lines === null || since === null) return send(400, 'lines and since must be whole numbers (since: epoch milliseconds)');
  // A follow=true or follow=yes that quietly meant "do not follow" would look like a stream that ended.
  const follow = query.get('follow');
  if (follow !== null && follow !== '0' && follow !== '1') return send(400, `follow takes 1 (keep the answer open) or 0, got ${JSON.stringify(follow)}`);
  const recent = feed.recent(app);
  if (recent === undefined) return send(404, `no app named ${JSON.stringify(app)}; GET /status lists the apps`);
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  if (req.method === 'HEAD') return void res.end();
  const wanted = (line: AppOutputLine) => (app === undefined || line.app === app) && (since === undefined || line.time >= since);
  res.write(lastPerWorker(recent.filter(wanted), lines).map(render).join(''));
  if (follow !== '1') return void res.end();
  // The lines of one turn (a capture hands out every line of a pipe read at once) go out as one
  // write: during a flood a write per line cost a syscall and a chunk per line per follower.
  let batch = '';
  let batchBytes = 0;
  let flushing: NodeJS.Immediate | undefined;
  const flush = () => {
    flushing = undefined;
    if (!res.destroyed) res.write(batch);
    batch = '';
    batchBytes = 0;
  };
  const unsubscribe = feed.subscribe((line) => {
    if (!wanted(line)) return;
    if (res.writableLength + batchBytes > MAX_UNSENT_BYTES) return void res.destroy();
    const rendered = render(line);
    batch += rendered;
    batchBytes += Buffer.byteLength(rendered);
    flushing ??= setImmediate(flush);
  });
  res.on('close', () => {
    unsubscribe();
    clearImmediate(flushing);
  });
}

function render({ app, worker, pid, stream, time, line }: AppOutputLine): string {
  return `${JSON.stringify({ app, worker, pid, stream, time: new Date(time).toISOString(), line })}\n`;
}

function lastPerWorker(lines: readonly AppOutputLine[], count: number | undefined): readonly AppOutputLine[] {
  if (count === undefined) return lines;
  const left = new Map<string, number>();
  const kept: AppOutputLine[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const key = `${line.app} ${line.worker}`;
    const n = left.get(key) ?? count;
    if (n > 0) kept.push(line);
    left.set(key, n - 1);
  }
  return kept.reverse();
}

/** `undefined` when absent, `null` when not a whole number. */
function wholeNumber(value: string | null): number | undefined | null {
  if (value === null) return undefined;
  return /^\d{1,16}$/.test(value) ? Number(value) : null;
}
