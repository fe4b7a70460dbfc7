// An Express app that serves its own routes and mounts Portico under /app, where a supervised
// backend (started on the first request) answers. WebSockets under /app are tunnelled.
import express from 'express';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig } from '@portico/portico';

const here = fileURLToPath(new URL('.', import.meta.url));
const backend = fileURLToPath(new URL('../../test/fixtures/echo-backend.mjs', import.meta.url));

/** Starts the host on `port` (0: any free port) and returns where it listens and how to stop it. */
export async function start({ port = 3000, host = '127.0.0.1' } = {}) {
  const config = resolveConfig(
    {
      // Portico's own listeners are not started when embedded; the host's server is the front door.
      listen: [{ port: 0, host: '127.0.0.1' }],
      apps: [{ name: 'app', match: { path: '/app' }, processPath: process.execPath, arguments: [backend], startupTimeLimit: 10, shutdownTimeLimit: 2 }],
    },
    { file: `${here}portico.json`, baseDir: here },
  );
  const portico = createPortico(config, { logger: createLogger({ level: 'error' }) });
  // Starts eager apps and app_offline.htm watching; the host's server is the front door.
  await portico.start({ listen: false });

  const app = express();
  app.get('/', (_req, res) => res.type('text').send('the host answers this; try /app\n'));
  // Express strips the mount path from req.url; Portico reads the client's target from
  // req.originalUrl, so its apps match the path the client sent. No body parser runs first:
  // Portico streams the body itself.
  app.use('/app', portico.handler);

  const server = app.listen(port, host);
  await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
  server.on('upgrade', portico.upgrade);

  return {
    port: server.address().port,
    portico,
    async stop() {
      // close() stops accepting and closes idle keep-alive connections; requests in flight go on.
      // portico.stop() waits for Portico's requests in flight, then stops the backends, which
      // closes their WebSocket tunnels (an open tunnel would keep close() waiting: do not await
      // it first). What is left are connections idle since: close them, or close() waits out the
      // keep-alive timeout.
      const closed = new Promise((resolve) => server.close(resolve));
      await portico.stop();
      server.closeAllConnections();
      await closed;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { port, stop } = await start({ port: Number(process.env.PORT ?? 3000) });
  console.log(`listening on http://127.0.0.1:${port}/ (Portico under /app)`);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
