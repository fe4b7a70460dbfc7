// Portico's demo backend. It listens where Portico says, trusts only requests that carry its
// pairing token, shows who Portico says the caller is, echoes WebSocket messages, and exits on
// /crash so you can watch Portico restart it.
import http from 'node:http';
import { getPortico, installGracefulShutdown, listen, withPortico, withPorticoUpgrade } from '@portico/integration';
import { WebSocketServer } from 'ws';

const startedAt = new Date();
const page = (req) => {
  const info = getPortico(req);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Portico demo</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}
code{background:#f3f3f3;padding:.1rem .3rem}#log{background:#f7f7f7;padding:.5rem;min-height:4rem;white-space:pre-wrap}</style></head>
<body>
<h1>Hello from backend <code>${process.pid}</code></h1>
<p>Started ${startedAt.toISOString()}; behind Portico as <code>${info?.host ?? '?'}</code>,
request <code>${info?.requestId ?? '?'}</code> from <code>${info?.clientAddress ?? '?'}</code>.</p>
<p><button id="crash">Crash this backend</button> — Portico restarts it; reload the page to see a new pid.</p>
<h2>WebSocket echo</h2>
<form id="f"><input id="msg" value="hello" autocomplete="off"> <button>Send</button></form>
<div id="log"></div>
<script>
const log = (t) => (document.getElementById('log').textContent += t + '\\n');
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + location.pathname.replace(/\\/$/, '') + '/ws');
ws.onopen = () => log('connected');
ws.onmessage = (e) => log('echo: ' + e.data);
ws.onclose = () => log('closed');
document.getElementById('f').onsubmit = (e) => { e.preventDefault(); ws.send(document.getElementById('msg').value); };
document.getElementById('crash').onclick = () => fetch('crash').finally(() => log('crashed; reload in a moment'));
</script>
</body></html>`;
};

const server = http.createServer(
  withPortico((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.endsWith('/crash')) {
      res.end('crashing\n', () => process.exit(1));
      return;
    }
    if (path.endsWith('/healthz')) return void res.end('ok\n');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(page(req));
  }),
);

// WebSocket upgrades carry the token too; the same check refuses any that does not.
const wss = new WebSocketServer({ noServer: true });
server.on(
  'upgrade',
  withPorticoUpgrade((req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  }),
);

installGracefulShutdown(server);
await listen(server, { port: 3000 });
