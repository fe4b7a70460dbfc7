import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig, type Portico } from '@portico/portico';
import type { BrowserContext } from 'playwright-core';
import { launchChromium } from './statusPageBrowser.ts';

/** A real Portico whose admin endpoint wants `token`, and a headless Chromium to open its page. */
export interface StatusPagePortico {
  readonly dir: string;
  readonly portico: Portico;
  readonly port: number;
  readonly adminPort: number;
  readonly context: BrowserContext;
  /** Closes the browser, stops Portico and removes the folder. */
  close(): Promise<void>;
}

/**
 * Starts Portico from `config` (given its folder; the admin section is added: port 0, a unix
 * socket, and a token file holding `token`), quiet below warnings, then Chromium with its profile
 * in the same folder: what every browser test of the live page needs before it opens the page.
 */
export async function startStatusPagePortico(name: string, token: string, config: (dir: string) => Record<string, unknown>): Promise<StatusPagePortico> {
  const dir = await mkdtemp(join(tmpdir(), `portico-${name}-`));
  const tokenFile = join(dir, 'admin-token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const resolved = resolveConfig(
    { ...config(dir), admin: { port: 0, socket: join(dir, 'run', 'admin.sock'), tokenFile } },
    { file: join(dir, 'portico.json'), baseDir: dir },
  );
  const destination = new PassThrough();
  destination.resume();
  const portico = createPortico(resolved, { logger: createLogger({ destination, pretty: false, level: 'warn' }) });
  let context: BrowserContext | undefined;
  const close = async () => {
    await context?.close();
    await portico.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const started = await portico.start();
    context = await launchChromium(dir);
    return { dir, portico, port: started.listen[0]!.port, adminPort: started.admin!.port, context, close };
  } catch (error) {
    await close();
    throw error;
  }
}
