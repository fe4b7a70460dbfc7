// Parses a typical ~400-byte browser request head with Portico's strict parser and compares it
// with a naive baseline in the same run: `indexOf('\r\n\r\n')` + `toString('latin1').split('\r\n')`
// (which checks nothing). Run (after tsc -b): node --import tsx bench/http1-parse.bench.ts
import { RequestHeadParser } from '@portico/router';

const head = Buffer.from(
  'GET /shop/products/42?ref=home&sort=price HTTP/1.1\r\n' +
    'Host: shop.example.com\r\n' +
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n' +
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n' +
    'Accept-Language: en-US,en;q=0.5\r\n' +
    'Accept-Encoding: gzip, deflate, br, zstd\r\n' +
    'Connection: keep-alive\r\n' +
    'Cookie: session=9f8e7d6c5b4a39281706; theme=dark\r\n' +
    'Upgrade-Insecure-Requests: 1\r\n' +
    'Sec-Fetch-Dest: document\r\n' +
    'Sec-Fetch-Mode: navigate\r\n' +
    '\r\n',
  'latin1',
);

const parser = new RequestHeadParser();
let sink = 0;

function ours(): void {
  const r = parser.push(head);
  if (r.kind !== 'head') throw new Error(`benchmark head refused: ${JSON.stringify(r)}`);
  sink += r.head.headers.length;
}

function baseline(): void {
  const end = head.indexOf('\r\n\r\n');
  const lines = head.toString('latin1', 0, end).split('\r\n');
  sink += lines.length;
}

function measure(fn: () => void, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / iterations;
}

const iterations = 200_000;
for (let i = 0; i < 3; i++) { measure(ours, 20_000); measure(baseline, 20_000); }
const rounds = 5;
const oursNs: number[] = [];
const baseNs: number[] = [];
for (let i = 0; i < rounds; i++) {
  oursNs.push(measure(ours, iterations));
  baseNs.push(measure(baseline, iterations));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const o = median(oursNs);
const b = median(baseNs);
console.log(`head: ${head.length} bytes, ${iterations} iterations × ${rounds} rounds (median)`);
console.log(`baseline indexOf + split : ${b.toFixed(0)} ns/op`);
console.log(`portico RequestHeadParser: ${o.toFixed(0)} ns/op  (${(1e9 / o / 1e6).toFixed(2)} M heads/s, ${(head.length * 1e9 / o / 1e6).toFixed(0)} MB/s)`);
console.log(`ratio ours / baseline    : ${(o / b).toFixed(2)}×`);
if (sink === 0) console.log('');
