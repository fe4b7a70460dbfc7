import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createAdminServer, RequestMetrics, type AdminServer } from '../../src/index.ts';
import { countColour, decodePng } from './decodePng.ts';
import { FakeAdminSource } from './FakeAdminSource.ts';

// The page's globals, for the functions that run in the browser (this project has no DOM lib).
declare const document: { querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null; body: { hasAttribute(name: string): boolean } };
declare const window: Record<string, unknown>;

const chromiumPath = '/usr/bin/chromium';
const token = 'the-token-of-this-admin-endpoint-0123456789';
// The failure badge's background in the light scheme (--fail in statusPageStyle.ts).
const failureColour = [0xd1, 0x24, 0x2f] as const;

// A real browser against a real admin server: the page must render the workers, follow the live
// socket without reloading, and reconnect when it drops. The screenshots are kept, in
// PORTICO_SCREENSHOT_DIR when set.
describe('statusPage (in headless Chromium)', function () {
  this.timeout(30_000);
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let shots: string;
  let source: FakeAdminSource;
  let metrics: RequestMetrics;
  let admin: AdminServer;
  let port: number;
  let uncaught: string[] = [];

  before(async function () {
    if (!existsSync(chromiumPath)) {
      console.log(`      (skipped: ${chromiumPath} is missing; install Debian's "chromium" package to run the browser tests)`);
      this.skip();
    }
    userDataDir = await mkdtemp(join(tmpdir(), 'portico-chromium-'));
    shots = process.env['PORTICO_SCREENSHOT_DIR'] ?? (await mkdtemp(join(tmpdir(), 'portico-shots-')));
    await mkdir(shots, { recursive: true });
    // Kept after the run (a few hundred KB) for a look at the page before and after a crash, and at a phone's width.
    console.log(`      screenshots in ${shots}`);
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1200, height: 640 },
      colorScheme: 'light',
    });
  });

  after(async () => {
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    source = new FakeAdminSource();
    metrics = new RequestMetrics();
    admin = createAdminServer({ source, metrics, port: 0, token });
    ({ port } = await admin.start());
    page = await context.newPage();
    // Uncaught errors of the page's script fail the test (afterEach), whenever they happen in it.
    uncaught = [];
    page.on('pageerror', (error) => uncaught.push(error.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    await giveToken(token);
    await page.waitForSelector('#conn[data-state="live"]');
  });

  /** The page asks for the admin token once (TCP needs it); types it as a person would. */
  async function giveToken(value: string): Promise<void> {
    await page.waitForSelector('#token:not([hidden])');
    await page.fill('#token-input', value);
    await page.click('#token button');
  }

  afterEach(async () => {
    await page?.close();
    await admin?.close();
    assert.deepEqual(uncaught, [], 'the page threw no uncaught error');
  });

  const text = (selector: string) => page.locator(selector).innerText();

  it('renders a card per app with its state badge and a row per worker', async () => {
    assert.deepEqual(await page.locator('#apps section.card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-app'))), ['shop', 'reports']);
    assert.equal(await text('[data-app="shop"] .card-head .badge'), 'ready');
    assert.equal(await text('[data-app="reports"] .card-head .badge'), 'idle');
    const row = '[data-app="shop"] tr[data-worker="shop#2"]';
    assert.equal(await text(`${row} .endpoint`), '127.0.0.1:41002');
    assert.equal(await text(`${row} .pid`), String(source.current.apps[0]!.workers[1]!.pid));
    assert.match(await text(`${row} .uptime`), /^1 min \d+ s$/);
    assert.equal(await text(`${row} .restarts`), '0');
    assert.equal(await text('[data-app="shop"] tr[data-worker="shop#1"] .inflight'), '3');
    assert.equal(await page.locator('[data-app="reports"] tbody tr[data-worker]').count(), 0);
    assert.equal(await text('[data-app="reports"] tbody tr.empty-row'), 'No workers: the app starts on its first request.');
    assert.equal(await text('[data-app="shop"] tr[data-worker="shop#2"] .exit'), '—');
  });

  it("shows each worker's CPU (percent and time), memory and open files, as its tree was last sampled, and '—' before", async () => {
    const row = '[data-app="shop"] tr[data-worker="shop#2"]';
    const figures = async () => Promise.all(['cpupct', 'cputime', 'membytes', 'fds'].map((cell) => page.locator(`${row} .${cell}`).textContent()));
    assert.deepEqual(await figures(), ['—', '', '—', '']);
    source.updateWorker('shop', 'shop#2', (w) => ({ ...w, resources: { cpuPercent: 2.5, cpuSeconds: 125, memoryBytes: 81 * 1048576, fds: 23, processes: 3 } }));
    await page.waitForFunction((sel) => document.querySelector(`${sel} .fds`)?.textContent === '23 files', row);
    assert.deepEqual(await figures(), ['2.5 %', '2 min 5 s', '81.0 MiB', '23 files']);
    source.updateWorker('shop', 'shop#2', (w) => ({ ...w, resources: { cpuPercent: 0, cpuSeconds: 0.29, memoryBytes: 1048576, fds: 1, processes: 1 } }));
    await page.waitForFunction((sel) => document.querySelector(`${sel} .fds`)?.textContent === '1 file', row);
    assert.equal(await text(`${row} .cputime`), '0.3 s');
    await page.screenshot({ path: join(shots, 'worker-figures.png') });
  });

  it('shows a crash, its stderr and the restart count without reloading the page', async () => {
    const before = await page.screenshot({ path: join(shots, 'before-crash.png') });
    await page.evaluate(() => Object.assign(window, { loadedOnce: true }));
    const stderr = 'Error: <img src=x onerror="document.title=1"> listen EADDRINUSE\n    at Server.listen (server.js:3:7)';
    source.updateWorker('shop', 'shop#1', (w) => ({
      ...w,
      state: 'exited',
      pid: undefined,
      inFlight: 0,
      readySince: undefined,
      restarts: w.restarts + 1,
      lastExit: { kind: 'crashed', code: 1, signal: null, uptimeMs: 5_230, stderrTail: stderr },
    }));
    const row = '[data-app="shop"] tr[data-worker="shop#1"]';
    await page.waitForFunction((sel) => document.querySelector(`${sel} .restarts`)?.textContent === '1', row);
    assert.equal(await text(`${row} .state .badge`), 'exited');
    assert.equal(await text(`${row} .exit summary`), 'crashed · code 1 · after 5.2 s');
    await page.click(`${row} .exit summary`);
    assert.equal(await page.locator(`${row} .exit pre`).textContent(), stderr);
    // The stderr tail is text: no element was made from it and its handler never ran.
    assert.equal(await page.locator(`${row} .exit img`).count(), 0);
    assert.notEqual(await page.title(), '1');
    assert.equal(await page.evaluate(() => window['loadedOnce']), true);

    const after = await page.screenshot({ path: join(shots, 'after-crash.png') });
    assert.deepEqual((await readFile(join(shots, 'after-crash.png'))).subarray(0, 8), after.subarray(0, 8));
    const [imageBefore, imageAfter] = [decodePng(before), decodePng(after)];
    assert.deepEqual([imageAfter.width, imageAfter.height], [1200, 640]);
    assert.equal(countColour(imageBefore, failureColour), 0);
    assert.ok(countColour(imageAfter, failureColour) > 150, `${countColour(imageAfter, failureColour)} pixels of the failure colour`);
  });

  it('says on a failed app\'s card why it failed and when it starts again', async () => {
    const note = '[data-app="shop"] .note';
    assert.equal(await page.locator(note).isVisible(), false);
    const failure = '3 restarts within 60 s passed rapidFailsPerMinute (2); last exit: crashed, code 1';
    source.updateApp('shop', (a) => ({ ...a, state: 'failed', failure, retryAt: Date.now() + 125_000 }));
    await page.waitForSelector(`${note}:visible`);
    assert.match(await text(note), /^Failed: 3 restarts within 60 s passed rapidFailsPerMinute \(2\); last exit: crashed, code 1 · started again by itself in 2 min \d+ s$/);
  });

  // Issue 16, "What happened stays visible": /status kept each app's state history, the page did
  // not show it, so an operator there could not see when an app went down or what it did before.
  it('shows an app\'s state history, newest first, with the reason of each change that has one', async () => {
    const history = '[data-app="shop"] .history';
    assert.equal(await page.locator(history).isVisible(), false, 'nothing to show while the status has no history');
    const at = Date.parse('2026-12-07T10:00:00Z');
    const failure = '3 restarts within 60 s passed rapidFailsPerMinute (2); last exit: crashed, code 1';
    source.updateApp('shop', (a) => ({
      ...a,
      state: 'failed',
      failure,
      retryAt: Date.now() + 60_000,
      history: [
        { state: 'starting', at },
        { state: 'ready', at: at + 1_000 },
        { state: 'failed', at: at + 5_000, reason: failure },
      ],
    }));
    await page.waitForSelector(`${history}:visible`);
    assert.equal(await text(`${history} summary`), 'State history (3)');
    await page.click(`${history} summary`);
    const clock = (ms: number) => page.evaluate((t) => new Date(t).toLocaleTimeString([], { hour12: false }), ms);
    assert.deepEqual(await page.locator(`${history} li`).allInnerTexts(), [
      `${await clock(at + 5_000)} · failed: ${failure}`,
      `${await clock(at + 1_000)} · ready`,
      `${await clock(at)} · starting`,
    ]);
  });

  it('says on an app\'s card when its new workers wait after failed starts, counting down, and nothing once they do not', async () => {
    const wait = '[data-app="shop"] .wait';
    assert.equal(await page.locator(wait).isVisible(), false);
    source.updateApp('shop', (a) => ({ ...a, state: 'ready', newWorkerWait: { failures: 3, retryAt: Date.now() + 8_000 } }));
    await page.waitForSelector(`${wait}:visible`);
    const first = await text(wait);
    assert.match(first, /^New workers \(a replacement, growth\) failed to start 3 times in a row · next try in [78]\.\d s · the old workers serve on$/);
    await page.waitForFunction(([sel, was]) => document.querySelector(sel)?.textContent !== was, [wait, first] as const);
    assert.match(await text(wait), /next try in [67]\.\d s/, 'counted down without a new status');
    source.updateApp('shop', (a) => ({ ...a, newWorkerWait: { failures: 1, retryAt: Date.now() + 1_000 } }));
    await page.waitForFunction((sel) => /failed to start once in a row/.test(document.querySelector(sel)?.textContent ?? ''), wait);
    source.updateApp('shop', ({ newWorkerWait: _, ...a }) => a);
    await page.waitForSelector(wait, { state: 'hidden' });
  });

  it('asks for the token once per tab, says when one is refused, and shows nothing without it', async () => {
    await page.reload();
    await page.waitForSelector('#conn[data-state="live"]');
    assert.equal(await page.locator('#token').isHidden(), true, 'asked again after a reload of the same tab');
    const other = await context.newPage();
    try {
      await other.goto(`http://127.0.0.1:${port}/`);
      await other.waitForSelector('#token:not([hidden])');
      assert.equal(await other.locator('section.card:visible').count(), 0);
      await other.fill('#token-input', 'a-wrong-token-a-wrong-token-a-wrong-token');
      await other.click('#token button');
      await other.waitForFunction(() => document.querySelector('#token-note')?.textContent === 'That token was refused.');
      assert.equal(await other.locator('section.card:visible').count(), 0);
    } finally {
      await other.close();
    }
  });

  it('shows request rates per app from the live socket', async () => {
    for (let i = 0; i < 40; i++) metrics.record('shop', 200, 1, 0, 0);
    await page.waitForFunction(() => Number(document.querySelector('[data-app="shop"] .rate b')?.textContent) > 0);
    assert.equal(await text('[data-app="reports"] .rate b'), '0.0');
  });

  it('says it is offline when the socket drops and reconnects with backoff when the server is back', async () => {
    await admin.close();
    // Read in the page as it changes: on a loaded machine the retry may begin ("connecting…")
    // before a separate read of the text comes back.
    await page.waitForFunction(() => {
      const conn = document.querySelector('#conn');
      return conn?.getAttribute('data-state') === 'offline' && /^offline · retrying in \d+ s$/.test(conn.textContent ?? '');
    });
    assert.equal(await page.evaluate(() => document.body.hasAttribute('data-stale')), true);
    source.updateApp('shop', (a) => ({ ...a, state: 'failed' }));
    admin = createAdminServer({ source, metrics, port, token });
    await admin.start();
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 15_000 });
    assert.equal(await text('[data-app="shop"] .card-head .badge'), 'failed');
    assert.equal(await page.evaluate(() => document.body.hasAttribute('data-stale')), false);
  });

  it('keeps each chart legend entry whole, its colour beside its name, at every width; and numbers no "None" among the last exits', async () => {
    // Seen with a real app: "p50 71.7 ms ▬" on one line and "p99 99.4 ms" alone on the next, its
    // colour left at the end of the line above; and "1. None since Portico started."
    await page.waitForSelector('[data-app="shop"] figure[data-chart="latency"] canvas');
    const split: string[] = [];
    for (let width = 600; width <= 1200; width += 25) {
      await page.setViewportSize({ width, height: 640 });
      split.push(
        ...(await page.evaluate((w) => {
          type Box = { top: number; bottom: number };
          const d = document as unknown as {
            querySelectorAll(s: string): Iterable<{ getBoundingClientRect(): Box; nextSibling: { textContent: string | null } | null; closest(s: string): { getAttribute(n: string): string | null } | null }>;
            createRange(): { setStart(n: unknown, o: number): void; setEnd(n: unknown, o: number): void; getBoundingClientRect(): Box };
          };
          const broken: string[] = [];
          for (const swatch of d.querySelectorAll('figcaption .swatch')) {
            const label = swatch.nextSibling;
            if (!label?.textContent) continue;
            const range = d.createRange();
            range.setStart(label, 0);
            range.setEnd(label, 1);
            const [s, t] = [swatch.getBoundingClientRect(), range.getBoundingClientRect()];
            const middle = (s.top + s.bottom) / 2;
            if (middle < t.top || middle > t.bottom) broken.push(`${w} px: ${swatch.closest('figure')?.getAttribute('data-chart')} "${label.textContent}"`);
          }
          return broken;
        }, width)),
      );
    }
    assert.deepEqual(split, [], 'a swatch on another line than its name');
    await page.setViewportSize({ width: 1200, height: 640 });
    await page.click('[data-app="shop"] tr[data-worker="shop#2"] button.expand');
    const none = page.locator('[data-app="shop"] tr.detail ol.exits li');
    assert.equal(await none.innerText(), 'None since Portico started.');
    assert.equal(await none.evaluate((li) => (globalThis as unknown as { getComputedStyle(e: unknown): { listStyleType: string } }).getComputedStyle(li).listStyleType), 'none');
  });

  it('gives a chart\'s axis room for its widest figure: 250,000 requests a second are not cut to ",000"', async () => {
    // Seen with a real app at 2,000 requests a second: the axis had a fixed 38 px and its labels
    // began left of the canvas.
    for (let i = 0; i < 250_000; i++) metrics.record('shop', 200, 1, 0, 0);
    const chart = '[data-app="shop"] figure[data-chart="requests"]';
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-latest')?.split(' ')[0]) > 100_000, chart);
    // uPlot draws after the figures are set: the next frame has the new axis.
    await page.evaluate(() => new Promise((resolve) => (globalThis as unknown as { requestAnimationFrame(f: () => void): void }).requestAnimationFrame(() => resolve(undefined))));
    const inkAtLeftEdge = await page.locator(`${chart} canvas`).evaluate((canvas) => {
      const c = canvas as unknown as { height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      const { data } = c.getContext('2d').getImageData(0, 0, 3, c.height);
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) ink++;
      return ink;
    });
    assert.equal(inkAtLeftEdge, 0, 'a label of the y axis is drawn from the canvas\'s left edge: it is cut');
  });

  it('stays usable at a phone\'s width (360 px) in the dark scheme: nothing wider than the screen, dark colours, charts inside their cards', async () => {
    const phone = await context.newPage();
    try {
      await phone.setViewportSize({ width: 360, height: 740 });
      await phone.emulateMedia({ colorScheme: 'dark' });
      await phone.goto(`http://127.0.0.1:${port}/`);
      await phone.fill('#token-input', token);
      await phone.click('#token button');
      await phone.waitForSelector('#conn[data-state="live"]');
      await phone.waitForSelector('[data-app="shop"] figure[data-chart="requests"] canvas');
      await phone.click('[data-app="shop"] tr[data-worker="shop#1"] button.expand');
      await phone.screenshot({ path: join(shots, 'phone-dark.png'), fullPage: true });
      const layout = await phone.evaluate(() => {
        const d = document as unknown as {
          documentElement: { scrollWidth: number; clientWidth: number };
          body: unknown;
          querySelectorAll(s: string): Iterable<{ getBoundingClientRect(): { left: number; right: number }; tagName: string; className: string }>;
        };
        const view = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string; color: string } };
        const wide = [...d.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > d.documentElement.clientWidth + 0.5 || e.getBoundingClientRect().left < -0.5);
        const card = [...d.querySelectorAll('#apps section.card')][0];
        return {
          scrollWidth: d.documentElement.scrollWidth,
          clientWidth: d.documentElement.clientWidth,
          outside: wide.slice(0, 5).map((e) => `${e.tagName}.${e.className}`),
          body: view.getComputedStyle(d.body).backgroundColor,
          card: view.getComputedStyle(card).backgroundColor,
          text: view.getComputedStyle(d.body).color,
        };
      });
      assert.equal(layout.clientWidth, 360);
      assert.equal(layout.scrollWidth, 360, `the page scrolls sideways: ${layout.outside.join(', ')}`);
      assert.deepEqual(layout.outside, []);
      const luminance = (css: string) => {
        const [r, g, b] = css.match(/\d+/g)!.map(Number);
        return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
      };
      assert.ok(luminance(layout.body) < 0.15, `body ${layout.body}`);
      assert.ok(luminance(layout.card) < 0.15, `card ${layout.card}`);
      assert.ok(luminance(layout.text) > 0.8, `text ${layout.text}`);
      // The worker's state and its name stay on screen, readable without scrolling sideways.
      for (const cell of ['.id', '.state']) {
        const box = (await phone.locator(`[data-app="shop"] tr[data-worker="shop#1"] ${cell}`).boundingBox())!;
        assert.ok(box.width >= 48 && box.x + box.width <= 360, `${cell} ${JSON.stringify(box)}`);
      }
    } finally {
      await phone.close();
    }
  });
});
