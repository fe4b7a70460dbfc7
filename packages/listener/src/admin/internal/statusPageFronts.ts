/**
 * The status page's fronts, a part of its script (statusPageScript.ts puts it inside its closure):
 * with several front processes, a row per front in the All apps card (state, pid, connections,
 * restarts, requests per second) and a choice that shows every chart's requests, 5xx and latency
 * for one front instead of all of them added up. With one process, none of it shows.
 */
export const statusPageFronts = `
  const frontChoice = document.getElementById('front-choice');
  const frontSelect = document.getElementById('front');
  const frontsTable = document.getElementById('fronts');
  const frontRows = new Map();

  frontSelect.addEventListener('change', () => {
    front = frontSelect.value;
    drawAllCharts();
  });

  function renderFronts(fronts) {
    const list = fronts || [];
    frontChoice.hidden = frontsTable.hidden = list.length === 0;
    const seen = new Set();
    for (const f of list) {
      const key = String(f.front);
      seen.add(key);
      let row = frontRows.get(key);
      if (!row) {
        const tr = el('tr');
        tr.dataset.front = key;
        const cells = {};
        for (const [cell, label] of [['front', 'Front'], ['state', 'State'], ['pid', 'PID'], ['connections', 'Connections'], ['restarts', 'Restarts'], ['rate', 'Requests/s']]) {
          cells[cell] = el('td', cell);
          cells[cell].dataset.label = label;
          tr.append(cells[cell]);
        }
        cells.badge = el('span', 'badge');
        cells.state.append(cells.badge);
        setText(cells.front, 'front ' + key);
        const option = el('option', null, 'front ' + key);
        option.value = key;
        row = { tr, cells, option };
        frontRows.set(key, row);
      }
      frontsTable.tBodies[0].append(row.tr);
      frontSelect.append(row.option);
      setBadge(row.cells.badge, f.state);
      setText(row.cells.pid, f.pid === undefined || f.pid === null ? '—' : String(f.pid));
      setText(row.cells.connections, String(f.connections));
      setText(row.cells.restarts, String(f.restarts));
    }
    for (const [key, row] of frontRows) if (!seen.has(key)) { row.tr.remove(); row.option.remove(); frontRows.delete(key); }
    if (front && !frontRows.has(front)) { front = ''; frontSelect.value = ''; drawAllCharts(); }
    updateFrontRates();
  }

  /** Each front's requests per second in the newest sample. */
  function updateFrontRates() {
    const last = history[history.length - 1];
    for (const [key, row] of frontRows) {
      const f = last && last.fronts && last.fronts[key];
      setText(row.cells.rate, f ? rate(f.requestsPerSecond) : '—');
    }
  }
`;
