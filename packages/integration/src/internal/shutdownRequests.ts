type ShutdownTrigger = (reason: string) => void;

const triggers = new Set<ShutdownTrigger>();

/** Registers a graceful shutdown to run when something asks the process to stop. */
export function onShutdownRequest(trigger: ShutdownTrigger): () => void {
  triggers.add(trigger);
  return () => triggers.delete(trigger);
}

/**
 * Asks the process to stop. Without an installed graceful shutdown this raises a real SIGTERM,
 * so the app's own handlers run, or Node's default (exit) applies.
 */
export function requestShutdown(reason: string): void {
  if (triggers.size === 0) {
    process.kill(process.pid, 'SIGTERM');
    return;
  }
  for (const trigger of [...triggers]) trigger(reason);
}
