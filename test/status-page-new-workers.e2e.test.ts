import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { app, request } from './helpers/portico.ts';
import { chromiumMissing, openStatusPage, pageErrors } from './helpers/statusPageBrowser.ts';
import { startStatusPagePortico, type StatusPagePortico } from './helpers/statusPagePortico.ts';

declare const document: { querySelector(selector: string): { textContent: string | null; hidden: boolean } | null };

const token = 'the-token-of-the-new-workers-page-test-0123456789';
const wait = '[data-app="shop"] .wait';

/** The page's wait note now, '' while it is hidden. */
const waitNote = (page: Page) => page.evaluate((sel) => {
  const note = document.querySelector(sel);
  return note && !note.hidden ? (note.textContent ?? '') : '';
}, wait);

// `/status` and `portico status` said that an app's new workers (a recycle's replacement, an
// elastic pool's growth) wait after failed starts, and when the next may start; the live page
// said nothing, so an app broken on disk looked healthy there while every replacement failed.
describe('the live status page: new workers waiting after failed starts (in headless Chromium)', function () {
  this.timeout(90_000);
  let started: StatusPagePortico | undefined;
  let page: Page | undefined;
  let broken: string;

  before(async function () {
    if (chromiumMissing()) this.skip();
    started = await startStatusPagePortico('status-new-workers', token, (dir) => {
      broken = join(dir, 'broken');
      return {
        listen: [{ port: 0, host: '127.0.0.1' }],
        apps: [app('shop', { start: 'eager', recycling: { requests: 3 }, environmentVariables: { EXIT_IF_EXISTS: broken } })],
      };
    });
    page = await openStatusPage(started.context, started.adminPort, token, 'shop');
  });

  after(async () => {
    const errors = page ? pageErrors(page) : [];
    await started?.close();
    assert.deepEqual(errors, [], 'the page ran without errors from opening to the end of the test');
  });

  it("shows on the app's card how many new workers failed to start and when the next may, counting down, and clears it once one starts", async () => {
    const { portico, port } = started!;
    assert.equal(await waitNote(page!), '', 'nothing to say while nothing failed');
    await writeFile(broken, '');
    // The worker answers its 3 requests: its replacement cannot start.
    for (let i = 0; i < 3; i++) assert.equal((await request(port, '/')).status, 200);
    await page!.waitForFunction((sel) => /failed to start/.test(document.querySelector(sel)?.textContent ?? ''), wait, { timeout: 30_000 });
    const first = await waitNote(page!);
    assert.match(first, /^New workers \(a replacement, growth\) failed to start (once|\d+ times) in a row · next try in \d+(\.\d)? s · the old workers serve on$/);
    // The retries go on (1 s, 2 s, 4 s): the card follows without a reload.
    await page!.waitForFunction((sel) => /failed to start [2-9] times/.test(document.querySelector(sel)?.textContent ?? ''), wait, { timeout: 30_000 });
    // The wait counts down between two status messages.
    const before = await waitNote(page!);
    await page!.waitForFunction(([sel, text]) => { const now = document.querySelector(sel)?.textContent; return now !== text && /failed to start [2-9] times/.test(now ?? ''); }, [wait, before] as const, { timeout: 10_000 });
    assert.ok(portico.status().apps[0]!.newWorkerWait, 'status says the same');
    // Repaired: the next try starts, and the card says nothing more.
    await rm(broken);
    await page!.waitForFunction((sel) => document.querySelector(sel)?.hidden === true, wait, { timeout: 30_000 });
    assert.equal(portico.status().apps[0]!.newWorkerWait, undefined);
    assert.equal((await request(port, '/')).status, 200);
  });
});
