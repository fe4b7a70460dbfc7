import type { Command } from './Command.ts';

const wrap = (text: string, width = 78, indent = '  '): string => {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines.join('\n');
};

const table = (rows: readonly (readonly [string, string])[]): string => {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
};

/** `portico --help`. */
export function generalHelp(commands: readonly Command[]): string {
  return [
    'Usage: portico <command> [options]',
    '',
    wrap('Portico starts backend processes on demand, forwards HTTP and WebSocket traffic to them, and restarts them when they crash.'),
    '',
    'Commands:',
    table(commands.map((c) => [c.name, c.summary])),
    '',
    'Options:',
    table([
      ['-h, --help', 'show help; "portico <command> --help" for a command'],
      ['--version', 'print the version'],
    ]),
    '',
    'Exit status: 0 done, 1 refused (invalid config, unknown app), 2 usage error, 69 admin endpoint unreachable, 70 internal error.',
    '',
  ].join('\n');
}

/** `portico <command> --help`. */
export function commandHelp(command: Command): string {
  return [
    `Usage: ${command.usage}`,
    '',
    wrap(command.description),
    '',
    'Options:',
    table([...command.optionHelp.map((o) => [o.flags, o.text] as const), ['-h, --help', 'show this help']]),
    '',
  ].join('\n');
}
