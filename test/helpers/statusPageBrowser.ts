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

const errorsOf = new WeakMap<Page, string[]>();

/**
 * Records every uncaught error of `page` and every console error that is not the network's
 * (Chromium logs a refused fetch or socket as a console error: a 401 before the token, the
 * socket of a Portico that went away): read them with `pageErrors`.
 */
export function watchPageErrors(page: Page): void {
  const errors: string[] = [];
  errorsOf.set(page, errors);
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const network = /^Failed to load resource: |^WebSocket connection to '[^']*' failed/.test(message.text());
    if (!network) errors.push(`console: ${message.text()}`);
  });
}

/** What `watchPageErrors` recorded of `page` so far. */
export function pageErrors(page: Page): readonly string[] {
  return errorsOf.get(page) ?? [];
}

/**
 * Opens the status page of the admin endpoint at `adminPort`, gives it the token, and waits until
 * it is live and shows `app` (`prepare` runs before the page is loaded: routes). Its errors are recorded from the start: a test's `afterEach` asserts
 * `pageErrors(page)` is empty, so an error at any moment of the test fails it.
 */
export async function openStatusPage(context: BrowserContext, adminPort: number, token: string, app: string, prepare?: (page: Page) => Promise<void>): Promise<Page> {
  const page = await context.newPage();
  watchPageErrors(page);
  await prepare?.(page);
  await page.goto(`http://127.0.0.1:${adminPort}/`);
  await page.waitForSelector('#token:not([hidden])');
  await page.fill('#token-input', token);
  await page.click('#token button');
  await page.waitForSelector('#conn[data-state="live"]');
  await page.waitForSelector(`[data-app="${app}"] tr[data-worker]`);
  assert.deepEqual(pageErrors(page), [], 'the page ran without errors (a CSP refusal is one)');
  return page;
}
