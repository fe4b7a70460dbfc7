// Prometheus text exposition format 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format

/** Label values escape backslash, double quote and line feed; nothing else. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** HELP text escapes backslash and line feed (a quote is literal there). */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** Go's float syntax, which the format uses: `+Inf`, `-Inf`, `NaN`, otherwise JavaScript's own. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Appends `# HELP` and `# TYPE` for one metric family. */
export function family(out: string[], name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
  out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
}

/** Appends one sample line; `labels` are name/value pairs in order. */
export function sample(out: string[], name: string, labels: readonly (readonly [string, string])[], value: number): void {
  const body = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
  out.push(`${name}${body} ${formatValue(value)}`);
}
