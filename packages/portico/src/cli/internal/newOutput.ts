/**
 * What `current` adds to `previous`, two reads of the same fixed-size tail: the tail only grows
 * at its end and drops whole lines from its front once full, so the rest of `previous` after some
 * line break is where `current` begins. Without any overlap, all of `current` is new.
 */
export function newOutput(previous: string, current: string): string {
  if (current.startsWith(previous)) return current.slice(previous.length);
  for (let i = previous.indexOf('\n'); i !== -1; i = previous.indexOf('\n', i + 1)) {
    const rest = previous.slice(i + 1);
    if (rest !== '' && current.startsWith(rest)) return current.slice(rest.length);
  }
  return current;
}
