import assert from 'node:assert/strict';
import type { Portico } from '@portico/portico';
import type { Page } from 'playwright-core';
import { app, request } from './helpers/portico.ts';
import { chromiumMissing, openStatusPage, pageErrors } from './helpers/statusPageBrowser.ts';
import { startStatusPagePortico, type StatusPagePortico } from './helpers/statusPagePortico.ts';

declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null; textContent: string | null } | null };

const token = 'the-token-of-the-fronts-page-test-0123456789';

interface Sample {
  readonly total: { readonly requestsPerSecond: number };
  readonly fronts?: Record<string, { readonly requestsPerSecond: number; readonly apps: Record<string, { readonly requestsPerSecond: number }> }>;
}

// Issue 21: "Metrics, status and the live page add the fronts up and can show each". Two real
// front processes; the page shows them added up, a row per front, and each front's share.
describe('the live status page with two fronts (in headless Chromium)', function () {
  this.timeout(60_000);
  let started: StatusPagePortico | undefined;
  let portico: Portico;
  let port: number;
  let adminPort: number;
  let page: Page;

  before(async function () {
    if (chromiumMissing()) this.skip();
    started = await startStatusPagePortico('status-fronts', token, () => ({ listen: [{ port: 0, host: '127.0.0.1' }], fronts: 2, apps: [app('shop', { start: 'eager' })] }));
    ({ portico, port, adminPort } = started);
    page = await openStatusPage(started.context, adminPort, token, 'shop');
  });

  afterEach(() => {
    assert.deepEqual(page ? pageErrors(page) : [], [], 'the page ran without errors from opening to the end of the test');
  });

  after(async () => {
    await started?.close();
  });

  it('shows every front added up, a row per front, and each front\'s share of the charts', async () => {
    for (const n of ['1', '2']) await page.waitForSelector(`#fronts tr[data-front="${n}"] .badge:text("serving")`);
    const pids = portico.status().fronts!.map((f) => String(f.pid));
    assert.deepEqual(await page.locator('#fronts tr[data-front] .pid').allInnerTexts(), pids);
    assert.deepEqual(await page.locator('#front option').allInnerTexts(), ['every front, added up', 'front 1', 'front 2']);

    // A new connection per request: the kernel spreads them over both fronts' sockets.
    let loading = true;
    const load = (async () => {
      while (loading) await Promise.all(Array.from({ length: 4 }, (_, i) => request(port, `/f${i}`).then((r) => assert.equal(r.status, 200))));
    })();
    const requests = '[data-app="shop"] figure[data-chart="requests"]';
    const above = (selector: string, floor: number) =>
      page.waitForFunction(([sel, n]) => Number(document.querySelector(sel)?.getAttribute('data-latest')?.split(' ')[0]) > n, [selector, floor] as const, { timeout: 20_000 });
    try {
      await above(requests, 5);
    } finally {
      loading = false;
      await load;
    }
    const history = async () => ((await (await fetch(`http://127.0.0.1:${adminPort}/history`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { samples: Sample[] }).samples;
    const sumOf = (samples: Sample[], read: (s: Sample) => number) => Math.round(samples.reduce((n, s) => n + read(s), 0) * 100) / 100;
    /** Waits until the chart draws what the ring holds: a front's late report may still add to both, so each try waits for the next sample. */
    const drawsWhatWasServed = async (read: (s: Sample) => number) => {
      for (;;) {
        const drawn = await page.locator(requests).getAttribute('data-sum');
        const samples = await page.locator(requests).getAttribute('data-samples');
        if (Number(drawn) === sumOf(await history(), read)) return Number(drawn);
        // The ring is far from full here (under 300 s), so each new sample changes the count.
        await page.waitForFunction(([sel, n]) => document.querySelector(sel)?.getAttribute('data-samples') !== n, [requests, samples] as const, { timeout: 20_000 });
      }
    };
    assert.ok((await drawsWhatWasServed((s) => s.total.requestsPerSecond)) > 5);
    const shares: number[] = [];
    for (const n of ['1', '2']) {
      await page.selectOption('#front', n);
      assert.equal(await page.locator(requests).getAttribute('data-front'), n);
      assert.match(await page.locator(`${requests} figcaption b`).innerText(), new RegExp(`^Requests/s · front ${n}$`));
      shares.push(await drawsWhatWasServed((s) => s.fronts?.[n]?.apps['shop']?.requestsPerSecond ?? 0));
      assert.equal(await page.locator('[data-app="shop"] figure[data-chart="cpu"]').getAttribute('data-front'), '', 'CPU is the workers\', which every front shares');
    }
    assert.ok(shares.some((n) => n > 0), `a front served the load: ${shares.join(', ')}`);
    await page.selectOption('#front', '');
    assert.equal(await page.locator(requests).getAttribute('data-front'), '');

    // The total is the fronts' shares added up, second by second.
    const busy = (await history()).filter((s) => s.total.requestsPerSecond > 0);
    assert.ok(busy.length > 0);
    for (const s of busy) {
      const sum = Object.values(s.fronts!).reduce((n, f) => n + f.requestsPerSecond, 0);
      assert.ok(Math.abs(sum - s.total.requestsPerSecond) < 0.05, `fronts ${sum} against total ${s.total.requestsPerSecond}`);
    }
  });
});
