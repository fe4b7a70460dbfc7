import { createLogger } from '@portico/log-sink';
import { createPortico, type Portico, type PorticoConfig } from '@portico/portico';

/**
 * Starts Portico in this process and resolves once every app is ready, with the port of its first
 * listen entry. Its log goes to stderr, at `level`: a role's stdout carries the line its parent
 * reads (a warning such as worker.runs_as_root, logged before it, would take its place).
 */
export async function startPorticoReady(config: PorticoConfig, level: 'warn' | 'error' = 'error'): Promise<{ portico: Portico; port: number }> {
  const portico = createPortico(config, { logger: createLogger({ level, pretty: false, destination: process.stderr }) });
  const { listen } = await portico.start();
  await new Promise<void>((resolve) => {
    const ready = () => portico.ready() && resolve();
    portico.onChange(ready);
    ready();
  });
  return { portico, port: listen[0]!.port };
}
