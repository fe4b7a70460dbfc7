import { statusPageCharts } from './statusPageCharts.ts';
import { statusPageFronts } from './statusPageFronts.ts';
import { statusPageWorkerDetail } from './statusPageWorkerDetail.ts';

/**
 * The status page's script, plain browser JavaScript. Everything from the server is written with
 * textContent: app names, stderr tails and the rest are data, never markup.
 */
export const statusPageScript = `
'use strict';
(() => {
  const main = document.getElementById('apps');
  const conn = document.getElementById('conn');
  const processLine = document.getElementById('process');
  const cards = new Map();
  let status = null;
  let skew = 0;
  let rates = new Map();
  let attempt = 0;
  // Over TCP the data needs the admin endpoint's bearer token. It is asked for once and kept for
  // this tab only (sessionStorage), and sent as a header to /status and as a WebSocket
  // subprotocol to /live, since a browser cannot set headers on a WebSocket.
  const tokenKey = 'portico-admin-token';
  const tokenForm = document.getElementById('token');
  const tokenInput = document.getElementById('token-input');
  const tokenNote = document.getElementById('token-note');
  let token = sessionStorage.getItem(tokenKey) || '';

  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const setText = (node, text) => { if (node.textContent !== text) node.textContent = text; };
  const tone = (state) =>
    ({ ready: 'ok', starting: 'start', backoff: 'busy', draining: 'busy', stopping: 'busy',
       serving: 'ok', closing: 'busy', failed: 'fail', exited: 'fail', crashed: 'fail', timingOut: 'fail' })[state] || 'off';
  const setBadge = (node, state) => { setText(node, state); node.className = 'badge ' + tone(state); };

  function duration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return ms < 10000 ? (Math.max(0, ms) / 1000).toFixed(1) + ' s' : s + ' s';
    const m = Math.floor(s / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    if (h < 24) return h + ' h ' + (m % 60) + ' min';
    return d + ' d ' + (h % 24) + ' h';
  }
  // Time left until a retry, in whole seconds rounded up, as the failure page counts it down.
  const countdown = (ms) => duration(Math.ceil(ms / 1000) * 1000);
  const endpoint = (e) => !e ? '—' : e.kind === 'tcp' ? e.host + ':' + e.port : e.path;
  const exitSummary = (x) =>
    x.kind.replace(/_/g, ' ') + (x.signal ? ' · ' + x.signal : x.code !== null ? ' · code ' + x.code : '') +
    ' · after ' + duration(x.uptimeMs);
  const rate = (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
${statusPageCharts}
${statusPageWorkerDetail}
${statusPageFronts}
  drawCharts(createCharts(document.getElementById('overview-charts'), ''));

  const columns = [['Worker', 'c-id'], ['State', 'c-state'], ['PID', 'num c-pid'], ['Listens on', 'c-endpoint'],
    ['Uptime', 'num c-uptime'], ['Restarts', 'num c-restarts'], ['In flight', 'num c-inflight'],
    ['Requests', 'num c-requests'], ['CPU', 'num c-cpu'], ['Memory', 'num c-mem'], ['Last exit', 'c-exit']];
  const cellKeys = ['id', 'state', 'pid', 'endpoint', 'uptime', 'restarts', 'inflight', 'requests', 'cpu', 'mem', 'exit'];

  function createCard(name) {
    const root = el('section', 'card');
    root.dataset.app = name;
    const head = el('div', 'card-head');
    const title = el('h2', null, name);
    const badge = el('span', 'badge');
    const match = el('span', 'match');
    const stats = el('div', 'stats');
    const reqs = el('span', 'rate'), errs = el('span', 'errors'), queue = el('span', 'queue');
    stats.append(reqs, errs, queue);
    head.append(title, badge, match, stats);
    const table = el('table');
    const headRow = el('tr');
    for (const [label, cls] of columns) headRow.append(el('th', cls, label));
    const thead = el('thead');
    thead.append(headRow);
    const tbody = el('tbody');
    table.append(thead, tbody);
    const note = el('p', 'note');
    note.hidden = true;
    // New workers beside the others waiting after failed starts: the old ones serve on, so it is
    // a note of its own, not the red one of an app that is down.
    const wait = el('p', 'wait');
    wait.hidden = true;
    // The pool's last state changes (status' apps[].history): when it went down, and what before.
    const history = el('details', 'history');
    history.hidden = true;
    const historySummary = el('summary');
    const historyList = el('ol');
    history.append(historySummary, historyList);
    const charts = el('div', 'charts');
    root.append(head, note, wait, history, charts, table);
    drawCharts(createCharts(charts, name));
    return { name, root, badge, match, reqs, errs, queue, note, wait, history, historySummary, historyList, historyKey: null, tbody, rows: new Map(), empty: null, app: null };
  }

  function stat(node, value, label) {
    node.replaceChildren(el('b', null, value), document.createTextNode(' ' + label));
  }

  function createRow(card, id) {
    const tr = el('tr');
    tr.dataset.worker = id;
    const cells = {};
    columns.forEach(([label], i) => {
      const key = cellKeys[i];
      cells[key] = el('td', key + (['pid', 'uptime', 'restarts', 'inflight', 'requests', 'cpu', 'mem'].includes(key) ? ' num' : ''));
      // At a phone's width the row is a grid of labelled figures, without the table's head.
      cells[key].dataset.label = label;
      tr.append(cells[key]);
    });
    cells.badge = el('span', 'badge');
    cells.state.append(cells.badge);
    // CPU time under the CPU share and open files under the memory: the table keeps its columns.
    cells.cpupct = el('span', 'cpupct');
    cells.cputime = el('span', 'sub cputime');
    cells.cpu.append(cells.cpupct, cells.cputime);
    cells.membytes = el('span', 'membytes');
    cells.fds = el('span', 'sub fds');
    cells.mem.append(cells.membytes, cells.fds);
    // The slot's name opens its recent output and last exits below the row.
    const expand = el('button', 'expand', id);
    expand.type = 'button';
    expand.setAttribute('aria-expanded', 'false');
    cells.id.append(expand);
    const row = { tr, cells, readySince: undefined, exitKey: null, detail: null };
    expand.addEventListener('click', () => {
      if (row.detail) { closeDetail(row.detail); row.detail = null; }
      else {
        row.detail = createDetail(card.name, id);
        tr.after(row.detail.tr);
        if (card.app) updateDetail(row.detail, card.app, id);
      }
      expand.setAttribute('aria-expanded', String(Boolean(row.detail)));
    });
    return row;
  }

  function updateRow(row, w) {
    setBadge(row.cells.badge, w.state);
    setText(row.cells.pid, w.pid === undefined || w.pid === null ? '—' : String(w.pid));
    setText(row.cells.endpoint, endpoint(w.endpoint));
    setText(row.cells.restarts, String(w.restarts));
    setText(row.cells.inflight, String(w.inFlight));
    setText(row.cells.requests, w.pid === undefined || w.pid === null ? '—' : String(w.requests ?? 0));
    // The last sample of the worker's process tree (sampleInterval); none where it cannot be read.
    const r = w.resources;
    setText(row.cells.cpupct, r ? r.cpuPercent.toFixed(1) + ' %' : '—');
    // Tenths of a second below a minute (an idle worker uses a fraction of one), then as Uptime.
    setText(row.cells.cputime, r ? (r.cpuSeconds < 60 ? r.cpuSeconds.toFixed(1) + ' s' : duration(r.cpuSeconds * 1000)) : '');
    setText(row.cells.membytes, r ? (r.memoryBytes / 1048576).toFixed(1) + ' MiB' : '—');
    setText(row.cells.fds, r ? r.fds + (r.fds === 1 ? ' file' : ' files') : '');
    row.cells.cpu.title = r ? 'CPU time of its process tree so far: ' + r.cpuSeconds.toFixed(1) + ' s' : '';
    row.cells.mem.title = r ? r.processes + ' process' + (r.processes === 1 ? '' : 'es') + ', ' + r.fds + ' open file descriptors' : '';
    row.readySince = w.state === 'ready' ? w.readySince : undefined;
    row.tr.classList.toggle('failed', tone(w.state) === 'fail');
    const x = w.lastExit;
    const key = x ? JSON.stringify(x) : '';
    if (key === row.exitKey) return;
    row.exitKey = key;
    if (!x) return row.cells.exit.replaceChildren(el('span', 'none', '—'));
    const details = el('details');
    details.append(el('summary', null, exitSummary(x)), el('pre', null, x.stderrTail || '(nothing on stderr)'));
    row.cells.exit.replaceChildren(details);
  }

  function updateCard(card, app) {
    setBadge(card.badge, app.state);
    setText(card.match, 'host ' + app.match.host + ' · path ' + app.match.path + (app.eager ? ' · eager' : ' · lazy'));
    stat(card.queue, String(app.queueDepth), 'queued');
    card.app = app;
    updateNotes(card, Date.now() + skew);
    updateHistory(card, app.history || []);
    const seen = new Set();
    // Each worker's row, then its open detail row, in the status' order.
    let last = null;
    for (const w of app.workers) {
      let row = card.rows.get(w.id);
      if (!row) { row = createRow(card, w.id); card.rows.set(w.id, row); }
      const wanted = last ? last.nextSibling : card.tbody.firstChild;
      if (wanted !== row.tr) card.tbody.insertBefore(row.tr, wanted);
      last = row.tr;
      if (row.detail) {
        if (row.tr.nextSibling !== row.detail.tr) row.tr.after(row.detail.tr);
        last = row.detail.tr;
        updateDetail(row.detail, app, w.id);
      }
      updateRow(row, w);
      seen.add(w.id);
    }
    for (const [id, row] of card.rows) if (!seen.has(id)) { row.tr.remove(); if (row.detail) closeDetail(row.detail); card.rows.delete(id); }
    if (app.workers.length === 0) {
      const text = app.eager || app.state !== 'idle' ? 'No workers.' : 'No workers: the app starts on its first request.';
      if (!card.empty) { card.empty = el('tr', 'empty-row'); card.empty.append(el('td')); card.empty.firstChild.colSpan = 11; }
      setText(card.empty.firstChild, text);
      if (card.empty.parentNode !== card.tbody) card.tbody.append(card.empty);
    } else card.empty?.remove();
    updateRates(card, app.name);
  }

  // Why the app is down, or why its new workers wait, and when it is tried again: the workers'
  // rows alone do not say. Counted down every second (tick), between status messages.
  function updateNotes(card, now) {
    const app = card.app;
    if (!app) return;
    const notes = [];
    if (app.failure) notes.push('Failed: ' + app.failure + (app.retryAt ? ' · started again by itself in ' + countdown(app.retryAt - now) : ''));
    if (app.rollout && app.rollout.state === 'failed') notes.push(app.rollout.message);
    setText(card.note, notes.join('\\n'));
    card.note.hidden = notes.length === 0;
    const w = app.newWorkerWait;
    const times = w ? (w.failures === 1 ? 'once' : w.failures + ' times') : '';
    const next = w ? (w.retryAt > now ? 'next try in ' + countdown(w.retryAt - now) : 'next try when asked again') : '';
    setText(card.wait, w ? 'New workers (a replacement, growth) failed to start ' + times + ' in a row · ' + next + ' · the old workers serve on' : '');
    card.wait.hidden = !w;
  }

  /** The app's state changes, newest first; redrawn only when they change. */
  function updateHistory(card, changes) {
    const key = JSON.stringify(changes);
    if (key === card.historyKey) return;
    card.historyKey = key;
    card.history.hidden = changes.length === 0;
    setText(card.historySummary, 'State history (' + changes.length + ')');
    card.historyList.replaceChildren(...changes.slice().reverse().map((c) =>
      el('li', null, clock(c.at) + ' · ' + c.state + (c.reason ? ': ' + c.reason : ''))));
  }

  function updateRates(card, name) {
    const r = rates.get(name);
    stat(card.reqs, rate(r ? r.requestsPerSecond : 0), 'req/s');
    stat(card.errs, rate(r ? r.serverErrorsPerSecond : 0), '5xx/s');
    card.errs.classList.toggle('nonzero', r ? r.serverErrorsPerSecond > 0 : false);
  }

  function renderStatus() {
    document.getElementById('overview').hidden = false;
    renderFronts(status.fronts);
    const seen = new Set();
    status.apps.forEach((app, i) => {
      let card = cards.get(app.name);
      if (!card) { card = createCard(app.name); cards.set(app.name, card); }
      if (main.children[i] !== card.root) main.insertBefore(card.root, main.children[i] || null);
      updateCard(card, app);
      seen.add(app.name);
    });
    for (const [name, card] of cards) if (!seen.has(name)) {
      card.root.remove();
      cards.delete(name);
      dropCharts(name);
      for (const row of card.rows.values()) if (row.detail) closeDetail(row.detail);
    }
    if (status.apps.length === 0) main.replaceChildren(el('p', 'empty', 'No apps are configured.'));
    else main.querySelector('.empty')?.remove();
    tick();
  }

  function tick() {
    if (!status) return;
    const now = Date.now() + skew;
    setText(processLine, 'pid ' + status.pid + ' · version ' + status.version + ' · up ' + duration(now - status.startedAt));
    for (const card of cards.values()) {
      updateNotes(card, now);
      for (const row of card.rows.values())
        setText(row.cells.uptime, row.readySince === undefined || row.readySince === null ? '—' : duration(now - row.readySince));
    }
  }

  function setConnection(state, text) {
    conn.dataset.state = state;
    setText(conn, text);
    if (state === 'live') document.body.removeAttribute('data-stale');
    else if (status) document.body.setAttribute('data-stale', '');
  }

  async function begin() {
    setConnection('connecting', 'connecting…');
    let answer;
    try {
      answer = await fetch('/status', { headers: token ? { Authorization: 'Bearer ' + token } : {}, cache: 'no-store' });
    } catch {
      return retryLater();
    }
    if (answer.status === 401) return askToken(token ? 'That token was refused.' : '');
    // The last minutes first, so the charts are full from the start; the live socket adds to them.
    await loadHistory();
    connect();
  }

  function askToken(note) {
    token = '';
    sessionStorage.removeItem(tokenKey);
    setConnection('offline', 'needs the admin token');
    setText(tokenNote, note);
    tokenForm.hidden = false;
    tokenInput.focus();
  }

  tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    token = tokenInput.value.trim();
    tokenInput.value = '';
    if (token) sessionStorage.setItem(tokenKey, token);
    tokenForm.hidden = true;
    begin();
  });

  function retryLater() {
    // Exponential backoff with jitter, so that many open tabs do not reconnect in step.
    const delay = Math.min(10000, 500 * 2 ** attempt++) * (0.8 + Math.random() * 0.4);
    const until = Date.now() + delay;
    const show = () => setConnection('offline', 'offline · retrying in ' + Math.max(1, Math.ceil((until - Date.now()) / 1000)) + ' s');
    show();
    const countdown = setInterval(show, 1000);
    setTimeout(() => { clearInterval(countdown); begin(); }, delay);
  }

  function connect() {
    setConnection('connecting', 'connecting…');
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/live', token ? ['portico-admin', 'bearer.' + token] : []);
    ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (message.type === 'status') {
        attempt = 0;
        skew = message.now - Date.now();
        status = message.status;
        setConnection('live', 'live');
        renderStatus();
      } else if (message.type === 'rates') {
        rates = new Map(message.apps.map((r) => [r.app, r]));
        for (const [name, card] of cards) updateRates(card, name);
        if (message.sample && !(history.length && history[history.length - 1].at >= message.sample.at)) addSample(message.sample);
      }
    };
    // A Portico that restarted may have a new token: the retry asks /status first.
    ws.onclose = retryLater;
  }

  setInterval(tick, 1000);
  begin();
})();
`;
