/**
 * The status page's expanded worker row, a part of its script (statusPageScript.ts puts it inside
 * its closure): the worker's recent output, followed live from GET /logs/lines, and its last
 * exits from the status. At most `outputLines` lines are kept in the page; lines are text.
 */
export const statusPageWorkerDetail = `
  const outputLines = 200;
  const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });

  function createDetail(app, id) {
    const tr = el('tr', 'detail');
    tr.dataset.detailOf = id;
    const td = el('td');
    td.colSpan = 11;
    const output = el('pre', 'output');
    output.setAttribute('aria-label', 'Recent output of ' + id);
    const exits = el('ol', 'exits');
    td.append(el('h3', null, 'Recent output'), output, el('h3', null, 'Last exits'), exits);
    tr.append(td);
    const detail = { tr, output, exits, exitsKey: null, lines: 0, controller: null, open: true };
    followOutput(detail, app, id);
    return detail;
  }

  function closeDetail(detail) {
    detail.open = false;
    detail.controller?.abort();
    detail.tr.remove();
  }

  function appendLine(detail, line) {
    const node = el('span', line.stream === 'stderr' ? 'stderr' : 'stdout', clock(Date.parse(line.time)) + '  ' + line.line + '\\n');
    node.dataset.pid = String(line.pid);
    const atEnd = detail.output.scrollTop + detail.output.clientHeight >= detail.output.scrollHeight - 4;
    detail.output.append(node);
    while (detail.output.childElementCount > outputLines) detail.output.firstElementChild.remove();
    if (atEnd) detail.output.scrollTop = detail.output.scrollHeight;
  }

  /** Follows the app's output and keeps this worker's lines; tries again while the row is open. */
  async function followOutput(detail, app, id) {
    detail.controller = new AbortController();
    let answer;
    try {
      answer = await fetch('/logs/lines?follow=1&lines=' + outputLines + '&app=' + encodeURIComponent(app),
        { headers: token ? { Authorization: 'Bearer ' + token } : {}, cache: 'no-store', signal: detail.controller.signal });
    } catch { return retryOutput(detail, app, id); }
    if (answer.status === 501) return setText(detail.output, 'This Portico keeps no output lines.');
    // A refused token is the live socket's to ask again for; asking here every 2 s would not help.
    if (answer.status === 401) return setText(detail.output, 'The admin token was refused; reload the page to give it again.');
    if (!answer.ok || !answer.body) return retryOutput(detail, app, id);
    detail.output.replaceChildren();
    const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
    let rest = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parts = (rest + value).split('\\n');
        rest = parts.pop();
        for (const part of parts) {
          let line;
          try { line = JSON.parse(part); } catch { continue; }
          if (line.worker === id) appendLine(detail, line);
        }
      }
    } catch {}
    retryOutput(detail, app, id);
  }

  function retryOutput(detail, app, id) {
    if (detail.open) setTimeout(() => { if (detail.open) followOutput(detail, app, id); }, 2000);
  }

  /** The worker's last exits that ended unasked, newest first, from the app's status. */
  function updateDetail(detail, app, id) {
    const mine = (app.exits || []).filter((x) => x.worker === id).reverse();
    const key = JSON.stringify(mine);
    if (key === detail.exitsKey) return;
    detail.exitsKey = key;
    if (mine.length === 0) return detail.exits.replaceChildren(el('li', 'none', 'None since Portico started.'));
    detail.exits.replaceChildren(...mine.map((x) => {
      const item = el('li');
      const details = el('details');
      details.append(el('summary', null, clock(x.at) + ' · ' + (x.pid ? 'pid ' + x.pid + ' · ' : '') + exitSummary(x)),
        el('pre', null, x.stderrTail || '(nothing on stderr)'));
      item.append(details);
      return item;
    }));
  }
`;
