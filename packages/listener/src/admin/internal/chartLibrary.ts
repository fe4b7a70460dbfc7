import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A file of the installed uPlot package, served as it is. */
export interface ChartAsset {
  readonly type: string;
  readonly body: string;
  /** A strong validator: the body's SHA-256, which changes when the installed package does. */
  readonly etag: string;
}

const require = createRequire(import.meta.url);
// Resolved when the module loads, so a missing package fails Portico's start, not the first page.
const files = {
  '/assets/uplot.js': [require.resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  '/assets/uplot.css': [require.resolve('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8'],
} as const;

/** The paths the status page loads its chart library from. */
export const chartAssetPaths: readonly string[] = Object.keys(files);

const loaded = new Map<string, ChartAsset>();

/**
 * uPlot (MIT, about 50 KB minified) from the installed npm package, read once on first use: the
 * page draws its charts with it, and Portico serves it itself, so the page needs no internet and
 * no copy of the library lives in our source. uPlot styles its elements through the CSSOM only
 * and never evaluates code, so the page's CSP needs neither 'unsafe-inline' nor 'unsafe-eval'.
 */
export function chartAsset(path: string): ChartAsset | undefined {
  if (!Object.hasOwn(files, path)) return undefined;
  let asset = loaded.get(path);
  if (!asset) {
    const [file, type] = files[path as keyof typeof files];
    const body = readFileSync(file, 'utf8');
    asset = { type, body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
    loaded.set(path, asset);
  }
  return asset;
}
