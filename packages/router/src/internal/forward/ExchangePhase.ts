/**
 * Where an exchange stands. One value instead of separate flags (connected, head written, response
 * started, done) that could contradict each other:
 *
 * - `choosing`: waiting for the dispatch or a retry's upstream; no backend connection.
 * - `connecting`: a backend connection is opening; the request head waits in the queue.
 * - `awaiting-head`: the request (head at least) went to the backend; no final response head yet.
 * - `relaying-body`: the final response head went to the client; its body is being relayed.
 * - `done`: settled (relayed, failed, aborted, answered, or handed to a tunnel); the exchange holds
 *   no backend connection and no deadline.
 */
export type ExchangePhase = 'choosing' | 'connecting' | 'awaiting-head' | 'relaying-body' | 'done';

/**
 * Whether an exchange may go from `from` to `to`. A `switch`, not a table of Sets: asked on every
 * transition of every request, it allocates nothing and hashes nothing.
 */
export function mayEnter(from: ExchangePhase, to: ExchangePhase): boolean {
  switch (from) {
    case 'choosing': return to === 'connecting' || to === 'done';
    case 'connecting': return to === 'awaiting-head' || to === 'choosing' || to === 'done';
    // Back to choosing: a retry after the backend failed without answering.
    case 'awaiting-head': return to === 'relaying-body' || to === 'choosing' || to === 'done';
    case 'relaying-body': return to === 'done';
    case 'done': return false;
  }
}
