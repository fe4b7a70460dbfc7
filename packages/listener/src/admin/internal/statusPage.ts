import { createHash } from 'node:crypto';
import { statusPageScript } from './statusPageScript.ts';
import { statusPageStyle } from './statusPageStyle.ts';

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portico status</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/uplot.css">
<style>${statusPageStyle}</style>
</head>
<body>
<header>
<h1>Portico</h1>
<span id="process"></span>
<span id="conn" data-state="connecting" role="status" aria-live="polite">connecting…</span>
</header>
<form id="token" hidden><label>Token of this admin endpoint <input id="token-input" type="password" autocomplete="off" spellcheck="false"></label> <button>Show the status</button> <span id="token-note"></span></form>
<section id="overview" class="card" hidden>
<div class="card-head"><h2>All apps</h2><label id="front-choice" hidden>Show <select id="front"><option value="">every front, added up</option></select></label></div>
<div id="overview-charts" class="charts"></div>
<table id="fronts" hidden><thead><tr><th>Front</th><th>State</th><th class="num">PID</th><th class="num">Connections</th><th class="num">Restarts</th><th class="num">Requests/s</th></tr></thead><tbody></tbody></table>
</section>
<main id="apps" aria-live="polite"></main>
<footer>Updates live from <code>/live</code>. Also: <a href="/status">/status</a> · <a href="/metrics">/metrics</a> · <a href="/readyz">/readyz</a></footer>
<script src="/assets/uplot.js"></script>
<script>${statusPageScript}</script>
</body>
</html>
`;

/**
 * The live status page: served whole by Portico (its chart library included), so it works on a
 * machine without internet. Its CSP admits only its own inline style and script (by hash), the
 * chart library from its own origin, and connections to its own origin, so even a rendering bug
 * could not load or run anything else.
 */
export const statusPage = {
  html,
  headers: {
    'Content-Security-Policy': [
      "default-src 'none'",
      // 'self': uPlot's script and stylesheet, served from the installed package (chartLibrary.ts).
      `style-src 'self' ${hash(statusPageStyle)}`,
      `script-src 'self' ${hash(statusPageScript)}`,
      "connect-src 'self'",
      'img-src data:',
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'Referrer-Policy': 'no-referrer',
  },
} as const;
