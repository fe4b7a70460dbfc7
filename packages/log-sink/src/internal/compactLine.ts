import { PorticoEvents } from '../PorticoEvents.ts';

const meanings: ReadonlyMap<string, string> = new Map(Object.values(PorticoEvents).map((e) => [e.name, e.meaning]));
const levelNames: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const levelColours: Readonly<Record<number, string>> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '41;97' };
// pino's own keys and the base bindings: the line's frame, not its content.
const frame = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'event', 'eventId']);
const maxValue = 80;

/**
 * One log record as one terminal line: local time, level, the event name (or the message of a
 * line that is not an event) and its fields as `key=value`. The catalogue meaning is left out,
 * since the event name says it; a message other than the meaning ends the line. Nested values
 * are summarised (`endpoint=127.0.0.1:40123`, `exit="crashed, code 1"`) and long ones cut, so a
 * line stays readable; the JSON format keeps everything. A stack follows an error line indented,
 * because a bug's report needs it.
 */
export function compactLine(json: string, colorize: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const paint = (code: string, text: string) => (colorize ? `\x1b[${code}m${text}\x1b[0m` : text);
  const level = typeof record['level'] === 'number' ? record['level'] : 30;
  const parts = [clock(record['time']), paint(levelColours[level] ?? '0', (levelNames[level] ?? String(level)).padEnd(5))];
  const event = typeof record['event'] === 'string' ? record['event'] : undefined;
  const msg = typeof record['msg'] === 'string' ? record['msg'] : undefined;
  if (event !== undefined) parts.push(paint('1', event));
  else if (msg !== undefined) parts.push(escapeControls(msg));
  let stack: string | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (frame.has(key) || value === undefined) continue;
    if ((key === 'err' || key === 'error') && level >= 50) stack = stackOf(value);
    parts.push(`${paint('90', `${key}=`)}${show(key, value)}`);
  }
  if (event !== undefined && msg !== undefined && msg !== meanings.get(event)) parts.push(paint('90', '—'), escapeControls(msg));
  const line = parts.join(' ');
  return `${stack ? `${line}\n${stack.split('\n').slice(1).map((l) => `    ${escapeControls(l.trim())}`).join('\n')}` : line}\n`;
}

/** `HH:MM:SS.mmm` in the machine's time zone: a person at a terminal reads local time. */
function clock(time: unknown): string {
  const at = new Date(typeof time === 'string' || typeof time === 'number' ? time : Date.now());
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.${String(at.getMilliseconds()).padStart(3, '0')}`;
}

function show(key: string, value: unknown): string {
  // A duration measured in ms needs no nanoseconds on a terminal (startupMs=1003.529296875).
  if (typeof value === 'number') return String(Number.isInteger(value) ? value : Math.round(value * 10) / 10);
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return value.every((v) => typeof v !== 'object' || v === null) ? cut(value.map((v) => (typeof v === 'string' ? quote(v) : String(v))).join(',')) : cut(escapeControls(JSON.stringify(value)));
  if (typeof value !== 'object') return quote(String(value));
  const fields = value as Record<string, unknown>;
  if ((key === 'err' || key === 'error') && typeof fields['message'] === 'string') return quote(`${String(fields['type'] ?? fields['name'] ?? 'Error')}: ${fields['message']}`);
  if (typeof fields['host'] === 'string' && typeof fields['port'] === 'number') return `${fields['host']}:${fields['port']}`;
  if (fields['kind'] === 'unix' && typeof fields['path'] === 'string') return quote(fields['path']);
  if (key === 'exit' && typeof fields['kind'] === 'string') return quote(exitSummary(fields));
  return cut(escapeControls(JSON.stringify(value)));
}

/** A worker's exit: how, with what, and the last line it wrote to stderr when that explains it. */
function exitSummary(exit: Record<string, unknown>): string {
  const how =
    typeof exit['spawnError'] === 'string' ? exit['spawnError'] : typeof exit['signal'] === 'string' ? `signal ${exit['signal']}` : typeof exit['code'] === 'number' ? `code ${exit['code']}` : undefined;
  const said = exit['kind'] !== 'stopped' && typeof exit['stderrTail'] === 'string' ? exit['stderrTail'].trim().split('\n').at(-1) : undefined;
  // A supervisor's exit ({ kind: 'shutdown' }) has no code: its kind says it all.
  return `${String(exit['kind']).replace(/_/g, ' ')}${how === undefined ? '' : `, ${how}`}${said ? `: ${said}` : ''}`;
}

/** Bare when it can be, else in JSON quotes; a long text is cut inside its quotes, so they still close. */
function quote(text: string): string {
  return /^[^\s"=\\\x00-\x1f\x7f-\x9f]{1,80}$/.test(text) ? text : escapeControls(JSON.stringify(cut(text)));
}

/**
 * Control characters as JSON escapes (`\u001b`), so that a value from outside (a backend's
 * stderr in a worker's exit, a header, an error message's later lines in its stack) cannot drive
 * the terminal: JSON.stringify escapes C0 but leaves DEL and the C1 controls, and U+009B is CSI
 * to some terminals.
 */
function escapeControls(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function cut(text: string): string {
  return text.length <= maxValue ? text : `${text.slice(0, maxValue - 1)}…`;
}

function stackOf(value: unknown): string | undefined {
  const stack = (value as { stack?: unknown } | null)?.stack;
  return typeof stack === 'string' && stack.includes('\n') ? stack : undefined;
}
