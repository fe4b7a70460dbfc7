/**
 * Splits one `arguments` string the way the ASP.NET Core Module's command line is split on
 * Windows (CommandLineToArgvW): spaces and tabs separate, `"…"` groups, `\"` is a literal quote,
 * `2n` backslashes before a quote are `n` backslashes, and other backslashes are literal, so
 * `C:\app\x.dll` survives.
 */
export function splitArguments(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let started = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\') {
      let count = 0;
      while (text[i] === '\\') {
        count++;
        i++;
      }
      if (text[i] === '"') {
        current += '\\'.repeat(Math.floor(count / 2));
        if (count % 2 === 1) current += '"';
        else quoted = !quoted;
      } else {
        current += '\\'.repeat(count);
        i--;
      }
      started = true;
    } else if (char === '"') {
      // Inside quotes, "" is a literal quote (the rule of the C runtime since 2008).
      if (quoted && text[i + 1] === '"') {
        current += '"';
        i++;
      } else quoted = !quoted;
      started = true;
    } else if ((char === ' ' || char === '\t') && !quoted) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}
