/** The status page's stylesheet; light and dark follow the system setting. */
export const statusPageStyle = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --card: #ffffff; --text: #1f2328; --muted: #656d76; --line: #d8dee4;
  --ok: #1a7f37; --busy: #9a6700; --start: #0969da; --fail: #d1242f; --off: #6e7781;
  --row-fail: #fff1f0;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --card: #161b22; --text: #e6edf3; --muted: #8d96a0; --line: #30363d; --row-fail: #2d1517; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
header { display: flex; align-items: center; gap: 16px; padding: 14px 24px; border-bottom: 1px solid var(--line); background: var(--card); }
header h1 { margin: 0; font-size: 18px; letter-spacing: .02em; }
#process { color: var(--muted); font-variant-numeric: tabular-nums; }
#conn { margin-left: auto; display: flex; align-items: center; gap: 8px; color: var(--muted); font-size: 13px; }
#conn::before { content: ""; width: 10px; height: 10px; border-radius: 50%; background: var(--busy); }
#conn[data-state="live"]::before { background: var(--ok); box-shadow: 0 0 0 3px color-mix(in srgb, var(--ok) 25%, transparent); }
#conn[data-state="offline"]::before { background: var(--fail); }
main { max-width: 1160px; margin: 0 auto; padding: 20px 24px 40px; display: grid; gap: 18px; transition: opacity .3s; }
body[data-stale] main { opacity: .55; }
#token { max-width: 1160px; margin: 20px auto 0; padding: 0 24px; }
#token[hidden] { display: none; }
#token input { font: inherit; padding: 4px 8px; min-width: 24em; }
#token-note { color: var(--fail); }
.empty { color: var(--muted); text-align: center; padding: 40px; }
.card[hidden] { display: none; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
.card-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 14px; padding: 14px 18px 10px; }
.card-head h2 { margin: 0; font-size: 16px; }
.match { color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.note, .wait { margin: 4px 18px 8px; color: var(--fail); white-space: pre-line; font-size: 13.5px; }
.wait { color: var(--busy); }
.history { margin: 4px 18px 8px; font-size: 13.5px; }
.history ol { margin: 4px 0 0; padding-left: 20px; }
.stats { margin-left: auto; display: flex; gap: 16px; color: var(--muted); font-variant-numeric: tabular-nums; }
.stats b { color: var(--text); font-weight: 600; }
.stats .errors.nonzero b { color: var(--fail); }
.badge { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600;
  color: #ffffff; background: var(--off); text-transform: lowercase; line-height: 18px; }
.badge.ok { background: var(--ok); }
.badge.start { background: var(--start); }
.badge.busy { background: var(--busy); }
.badge.fail { background: var(--fail); }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; table-layout: fixed; }
.c-id { width: 10%; } .c-state { width: 9%; } .c-pid { width: 7%; } .c-endpoint { width: 14%; }
.c-uptime { width: 8%; } .c-restarts { width: 8%; } .c-inflight { width: 8%; } .c-requests { width: 8%; }
.c-cpu { width: 6%; } .c-mem { width: 8%; } .c-exit { width: 14%; }
td { overflow-wrap: anywhere; }
tr.empty-row td { color: var(--muted); font-style: italic; }
th, td { text-align: left; padding: 7px 18px 7px 0; border-top: 1px solid var(--line); vertical-align: top; }
th:first-child, td:first-child { padding-left: 18px; }
th { white-space: nowrap; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
td.num { text-align: right; }
th.num { text-align: right; }
tr.failed td { background: var(--row-fail); }
td.exit { color: var(--muted); }
td .sub { display: block; font-size: 12px; color: var(--muted); }
details summary { cursor: pointer; }
details pre { margin: 6px 0 0; padding: 8px 10px; max-height: 240px; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere;
  background: var(--bg); border: 1px solid var(--line); border-radius: 6px; color: var(--text);
  font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.none { color: var(--muted); }
#overview { width: calc(min(100%, 1160px) - 48px); margin: 20px auto 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 6px 18px; padding: 0 18px 12px; }
.chart { margin: 0; min-width: 0; }
.chart figcaption { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 10px; color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
.chart figcaption b { color: var(--text); font-weight: 600; }
.legend-item { display: inline-flex; align-items: center; min-width: 0; max-width: 100%; overflow-wrap: anywhere; }
.legend-item .swatch { flex: none; }
.swatch { display: inline-block; width: 10px; height: 3px; margin-right: 4px; border-radius: 2px; vertical-align: middle; }
.plot { min-height: 110px; overflow: hidden; }
button.expand { font: inherit; color: var(--start); background: none; border: 0; padding: 0; cursor: pointer; text-align: left; overflow-wrap: anywhere; }
button.expand::before { content: "▸ "; color: var(--muted); }
button.expand[aria-expanded="true"]::before { content: "▾ "; }
tr.detail td { background: var(--bg); padding-top: 4px; padding-bottom: 12px; }
tr.detail h3 { margin: 8px 0 4px; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
pre.output { margin: 0; padding: 8px 10px; height: 220px; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere;
  background: var(--card); border: 1px solid var(--line); border-radius: 6px; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre.output .stderr { color: var(--fail); }
ol.exits { margin: 0; padding-left: 20px; }
ol.exits li { margin: 2px 0; }
ol.exits li.none { list-style: none; margin-left: -20px; }
#front-choice { margin-left: auto; color: var(--muted); font-size: 13px; }
#front-choice[hidden], #fronts[hidden] { display: none; }
#front { font: inherit; color: var(--text); background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 2px 6px; }
#fronts td.pid, #fronts td.connections, #fronts td.restarts, #fronts td.rate { text-align: right; }
footer { max-width: 1160px; margin: 0 auto; padding: 0 24px 24px; color: var(--muted); font-size: 12px; }
/* A phone's width: one column of charts, and each worker a grid of labelled figures. */
@media (max-width: 640px) {
  header { flex-wrap: wrap; gap: 4px 12px; padding: 10px 12px; }
  #process { order: 3; width: 100%; font-size: 12px; }
  main { padding: 14px 10px 28px; gap: 14px; }
  #overview { width: calc(100% - 20px); margin-top: 14px; }
  #token { padding: 0 10px; }
  #token input { min-width: 0; width: 100%; }
  .card-head { padding: 12px 12px 8px; }
  .stats { margin-left: 0; width: 100%; gap: 12px; }
  .charts { grid-template-columns: minmax(0, 1fr); padding: 0 12px 10px; }
  table, tbody, tr, td { display: block; width: auto; }
  thead { display: none; }
  tr[data-worker] { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 6px 12px; padding: 10px 12px; border-top: 1px solid var(--line); }
  tr[data-worker] td, tr[data-worker] td:first-child { padding: 0; border: 0; text-align: left; background: none; }
  tr[data-worker] td::before { content: attr(data-label); display: block; color: var(--muted); font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
  tr[data-worker] td.exit { grid-column: 1 / -1; }
  #front-choice { margin-left: 0; width: 100%; }
  #fronts tr[data-front] { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 6px 12px; padding: 10px 12px; border-top: 1px solid var(--line); }
  #fronts tr[data-front] td, #fronts tr[data-front] td:first-child { padding: 0; border: 0; text-align: left; }
  #fronts tr[data-front] td::before { content: attr(data-label); display: block; color: var(--muted); font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
  tr.failed { background: var(--row-fail); }
  tr.detail td, tr.empty-row td, tr.empty-row td:first-child { padding: 8px 12px; }
  footer { padding: 0 10px 20px; }
}
`;
