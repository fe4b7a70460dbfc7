import { violated, type CheckOptions } from './violated.ts';

/** Every request id got exactly one answer, and no answer names a request that was not made. */
export function assertEachRequestAnsweredOnce(requests: readonly string[], answers: readonly string[], options: CheckOptions = {}): void {
  const counts = new Map<string, number>();
  for (const id of answers) counts.set(id, (counts.get(id) ?? 0) + 1);
  const made = new Set(requests);
  const unanswered = requests.filter((id) => !counts.has(id));
  const repeated = [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id}×${n}`);
  const stray = [...counts.keys()].filter((id) => !made.has(id));
  const problems = [
    unanswered.length ? `unanswered: ${unanswered.join(', ')}` : '',
    repeated.length ? `answered more than once: ${repeated.join(', ')}` : '',
    stray.length ? `answers to unknown requests: ${stray.join(', ')}` : '',
  ].filter(Boolean);
  if (problems.length > 0) violated('every request answered exactly once', problems.join('; '), options);
}
