// An SGR sequence (colours, bold): ESC [ parameters m. The one kind of escape an app's line may
// send to the operator's terminal.
const sgr = '\\x1b\\[[0-9;:]*m';
// C0 controls but the tab, DEL, and the C1 controls, which some terminals obey as ESC sequences.
const control = '[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f]';
const pattern = new RegExp(`${sgr}|${control}`, 'g');

/**
 * An app's output line made safe to print on a terminal: its colours kept (`colour`: then reset
 * at its end, so they do not run into the next line) or dropped, and every other control
 * character shown as `\xHH`. Apps print what their clients sent, and a line must not drive the
 * operator's terminal: set its title, write its clipboard (OSC 52), erase lines, or print over a
 * worker's prefix with a CR. The CR of a CRLF line end is dropped.
 */
export function terminalSafe(text: string, colour: boolean): string {
  let coloured = false;
  const safe = text.replace(/\r$/, '').replace(pattern, (found) => {
    if (found.length === 1) return `\\x${found.charCodeAt(0).toString(16).padStart(2, '0')}`;
    coloured = colour;
    return colour ? found : '';
  });
  return coloured ? `${safe}\x1b[0m` : safe;
}
