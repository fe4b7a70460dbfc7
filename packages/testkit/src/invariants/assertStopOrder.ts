import { violated, type CheckOptions } from './violated.ts';

/**
 * Children were stopped in reverse start order: the ids in `stopped` (in the order they were
 * stopped) appear in `startOrder` at strictly decreasing positions. Children that were not
 * running at the stop simply do not appear.
 */
export function assertStopOrder(startOrder: readonly string[], stopped: readonly string[], options: CheckOptions = {}): void {
  const unknown = stopped.filter((id) => !startOrder.includes(id));
  if (unknown.length > 0) violated('stop order is reverse start order', `stopped children not in the start order: ${unknown.join(', ')}`, options);
  for (let i = 1; i < stopped.length; i++) {
    if (startOrder.indexOf(stopped[i]!) >= startOrder.indexOf(stopped[i - 1]!)) {
      violated(
        'stop order is reverse start order',
        `stopped [${stopped.join(', ')}] but started [${startOrder.join(', ')}]: ${stopped[i]} was stopped after ${stopped[i - 1]}`,
        options,
      );
    }
  }
}
