/**
 * Bytes this process holds beyond its JavaScript heap's garbage, after a full collection (with
 * `--expose-gc`, which .mocharc.json sets): heap, external and array buffers, the memory an attack
 * may make a server keep. Compare two readings; one alone says little.
 */
export function heldBytes(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}
