/**
 * The status page's charts, a part of its script (statusPageScript.ts puts it inside its closure,
 * where `el` and `setText` are defined). They draw the admin server's history ring (GET /history
 * on load, then one sample with each `rates` message) with uPlot, served from the installed
 * package at /assets/uplot.js. Without uPlot the page works on, without charts.
 */
export const statusPageCharts = `
  const chartsDrawn = typeof uPlot === 'function';
  let history = [];
  let historyCapacity = 300;
  let historySeconds = 300;
  // '' shows every front added up; '1', '2', … one front's share (with several fronts).
  let front = '';
  const chartSets = new Map();
  const palette = ['#0969da', '#a40e26', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#1b7c83', '#bc4c00'];
  const chartKinds = [
    { kind: 'requests', title: 'Requests/s', unit: '/s', keys: () => ['all', '5xx'],
      value: (f, key) => f ? (key === 'all' ? f.requestsPerSecond : f.serverErrorsPerSecond) : null },
    { kind: 'latency', title: 'Latency', unit: ' ms', keys: () => ['p50', 'p99'],
      value: (f, key) => f ? (key === 'p50' ? f.p50Ms : f.p99Ms) : null },
    { kind: 'cpu', title: 'CPU', unit: ' %', perProcess: true, keys: (scope) => processKeys(scope, 'cpuPercent'),
      value: (f, key) => f && f.cpuPercent[key] !== undefined ? f.cpuPercent[key] : null },
    { kind: 'memory', title: 'Memory', unit: ' MiB', perProcess: true, keys: (scope) => processKeys(scope, 'memoryBytes'),
      value: (f, key) => f && f.memoryBytes[key] !== undefined ? Math.round(f.memoryBytes[key] / 10485.76) / 100 : null },
  ];

  /** The figures of a scope (an app's name, or '' for all apps) in a sample, for the front shown. */
  function figuresOf(sample, scope, perProcess) {
    // CPU and memory belong to the workers, which every front shares.
    if (front && !perProcess) {
      const f = sample.fronts && sample.fronts[front];
      return !f ? null : scope ? f.apps[scope] || null : f;
    }
    return scope ? sample.apps[scope] || null : sample.total;
  }

  function processKeys(scope, field) {
    const keys = new Set();
    for (const s of history) { const f = figuresOf(s, scope, true); if (f) for (const k of Object.keys(f[field])) keys.add(k); }
    return [...keys].sort();
  }

  const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const shown = (n) => n === null || n === undefined ? '—' : n >= 100 ? n.toFixed(0) : n.toFixed(1);

  /** The four charts of one scope, in 'container'. */
  function createCharts(container, scope) {
    const set = { scope, container, charts: chartKinds.map((k) => {
      const figure = el('figure', 'chart');
      figure.dataset.chart = k.kind;
      const caption = el('figcaption');
      const plot = el('div', 'plot');
      figure.append(caption, plot);
      container.append(figure);
      return { kind: k, figure, caption, plot, uplot: null, keys: '' };
    }) };
    chartSets.set(scope, set);
    return set;
  }

  function dropCharts(scope) {
    const set = chartSets.get(scope);
    if (!set) return;
    for (const c of set.charts) c.uplot?.destroy();
    chartSets.delete(scope);
  }

  function drawCharts(set) {
    const xs = history.map((s) => s.at / 1000);
    for (const c of set.charts) {
      const keys = c.kind.keys(set.scope);
      const columns = keys.map((key) => history.map((s) => c.kind.value(figuresOf(s, set.scope, c.kind.perProcess), key)));
      const latest = columns.map((col) => col.length ? col[col.length - 1] : null);
      // What the chart shows last, as text: for people who read figures, and for tests.
      c.figure.dataset.latest = latest.map((n) => n === null ? '' : String(n)).join(' ');
      c.figure.dataset.samples = String(history.length);
      c.figure.dataset.sum = String(Math.round((columns[0] || []).reduce((a, n) => a + (n || 0), 0) * 100) / 100);
      // Which front the chart shows: '' for all of them added up.
      const ofFront = front && !c.kind.perProcess ? front : '';
      c.figure.dataset.front = ofFront;
      const parts = [el('b', null, c.kind.title + (ofFront ? ' · front ' + ofFront : ''))];
      keys.forEach((key, i) => {
        const swatch = el('i', 'swatch');
        swatch.style.background = palette[i % palette.length];
        // One item, so that a wrapped legend never leaves a colour at the end of a line and its name on the next.
        const item = el('span', 'legend-item');
        item.append(swatch, document.createTextNode(key + ' ' + shown(latest[i]) + c.kind.unit));
        parts.push(item);
      });
      if (keys.length === 0) parts.push(el('span', 'none', 'no samples yet'));
      c.caption.replaceChildren(...parts);
      if (!chartsDrawn) continue;
      const width = Math.max(120, Math.floor(c.plot.clientWidth || c.figure.clientWidth || 240));
      if (c.uplot && c.keys === keys.join('\\n')) {
        if (c.uplot.width !== width) c.uplot.setSize({ width, height: 110 });
        c.uplot.setData([xs, ...columns]);
        continue;
      }
      c.uplot?.destroy();
      c.keys = keys.join('\\n');
      c.uplot = new uPlot(chartOptions(keys, width), [xs, ...columns], c.plot);
    }
  }

  function chartOptions(keys, width) {
    const muted = cssVar('--muted'), line = cssVar('--line');
    const axis = { stroke: muted, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 }, font: '10px system-ui, sans-serif' };
    return {
      width, height: 110, legend: { show: false }, cursor: { show: false },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] } },
      axes: [{ ...axis, size: 22, space: 60 }, { ...axis, size: yAxisSize, space: 24 }],
      series: [{}, ...keys.map((key, i) => ({ label: key, stroke: palette[i % palette.length], width: 1.5 }))],
    };
  }

  // The y axis as wide as its widest label (uPlot's axis-autosize demo): a fixed width cut
  // 2,000 requests a second to ",000".
  function yAxisSize(u, values, axisIdx, cycleNum) {
    const axis = u.axes[axisIdx];
    if (cycleNum > 1) return axis._size;
    const longest = (values || []).reduce((a, v) => String(v).length > a.length ? String(v) : a, '');
    u.ctx.font = axis.font[0];
    return Math.max(38, Math.ceil(axis.ticks.size + axis.gap + u.ctx.measureText(longest).width / devicePixelRatio) + 2);
  }

  function drawAllCharts() {
    for (const set of chartSets.values()) drawCharts(set);
  }

  function addSample(sample) {
    // Samples missed (a stalled tab, the socket opened more than a second after /history
    // answered): ask for the seconds missing, not the whole ring (25 MB at 100 apps of 8 workers).
    const last = history[history.length - 1];
    if (last && sample.at - last.at > 1.5 * sample.intervalMs) return void loadHistory(Math.ceil((sample.at - last.at) / 1000) + 1);
    history.push(sample);
    if (history.length > historyCapacity) history.splice(0, history.length - historyCapacity);
    drawAllCharts();
    updateFrontRates();
  }

  // The whole ring by default (by name: without seconds the server sends only the last minute),
  // or the last \`seconds\`, added after the newest sample held.
  async function loadHistory(seconds) {
    const gap = seconds !== undefined && seconds < historySeconds && history.length > 0;
    try {
      const answer = await fetch('/history?seconds=' + (gap ? seconds : historySeconds), { headers: token ? { Authorization: 'Bearer ' + token } : {}, cache: 'no-store' });
      if (!answer.ok) return;
      const body = await answer.json();
      historyCapacity = body.capacity;
      historySeconds = (body.capacity * body.intervalMs) / 1000;
      if (gap) {
        const newest = history[history.length - 1].at;
        history = history.concat(body.samples.filter((s) => s.at > newest)).slice(-historyCapacity);
      } else {
        history = body.samples;
      }
      drawAllCharts();
      updateFrontRates();
    } catch {}
  }

  // Charts follow the colour scheme: drawn again with the other scheme's colours, and the width.
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    for (const set of chartSets.values()) for (const c of set.charts) { c.uplot?.destroy(); c.uplot = null; }
    drawAllCharts();
  });
  let resizeTimer;
  addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawAllCharts, 150); });
`;
