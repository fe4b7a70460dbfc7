import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium, which the browser tests drive; they skip, saying why, where it is missing. */
export const chromiumPath = '/usr/bin/chromium';

export function chromiumMissing(): boolean {
  if (existsSync(chromiumPath)) return false;
  console.log(`      (skipped: ${chromiumPath} is missing; install Debian's "chromium" package to run the browser tests)`);
  return true;
}

/** A headless Chromium with its profile in `dir`. */
export function launchChromium(dir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(join(dir, 'chromium'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
    colorScheme: 'light',
  });
}

/** Opens the status page of the admin endpoint at `adminPort`, gives it the token, and waits until it is live and shows `app`. */
export async function openStatusPage(context: BrowserContext, adminPort: number, token: string, app: string): Promise<Page> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // The first /status goes without a token and gets its 401 (then the page asks for it): not an error of the page.
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 401/.test(message.text())) errors.push(message.text());
  });
  await page.goto(`http://127.0.0.1:${adminPort}/`);
  await page.waitForSelector('#token:not([hidden])');
  await page.fill('#token-input', token);
  await page.click('#token button');
  await page.waitForSelector('#conn[data-state="live"]');
  await page.waitForSelector(`[data-app="${app}"] tr[data-worker]`);
  assert.deepEqual(errors, [], 'the page ran without errors (a CSP refusal is one)');
  return page;
}
