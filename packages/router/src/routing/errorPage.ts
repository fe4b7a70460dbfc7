/** What an error page may say about why the app is down, when detailed errors are on. */
export interface ErrorDetail {
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  readonly stderrTail?: string;
  readonly reason?: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const titles: Record<number, string> = {
  404: 'No app here',
  502: 'The app could not start',
  503: 'The app is not available',
  504: 'The app did not answer in time',
  508: 'Loop detected',
};

/**
 * Portico's own error page, in the spirit of ANCM's 502.5 page: it names the app and gives the
 * request's correlation id (its `x-request-id`, also in the log), so an operator can find what
 * happened. Details (exit code, the stderr tail) appear only when `detailedErrors` is on: they can
 * hold paths and secrets a visitor should not see. A `notice` (when a failed app is started
 * again) is for everyone. `heading` replaces the status's own title (a 502 that is no failed start).
 */
export function errorPage(status: number, app: string | undefined, requestId: string, detail?: ErrorDetail, notice?: string, heading?: string): string {
  const title = heading ?? titles[status] ?? 'Error';
  const lines = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${status} ${escapeHtml(title)}</title>`,
    '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:3rem auto;padding:0 1rem;color:#222}',
    'code,pre{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}pre{padding:1rem;overflow:auto;white-space:pre-wrap}</style>',
    '</head><body>',
    `<h1>${status} ${escapeHtml(title)}</h1>`,
    app ? `<p>App: <code>${escapeHtml(app)}</code></p>` : '',
    `<p>Correlation id: <code>${escapeHtml(requestId)}</code> (search the Portico log for it).</p>`,
    notice ? `<p>${escapeHtml(notice)}</p>` : '',
  ];
  if (detail) {
    if (detail.reason) lines.push(`<p>${escapeHtml(detail.reason)}</p>`);
    if (detail.exitCode !== undefined || detail.signal) {
      lines.push(`<p>Last exit: ${detail.signal ? `signal <code>${escapeHtml(detail.signal)}</code>` : `code <code>${String(detail.exitCode)}</code>`}</p>`);
    }
    if (detail.stderrTail) lines.push('<h2>stderr (last lines)</h2>', `<pre>${escapeHtml(detail.stderrTail.split('\n').slice(-40).join('\n'))}</pre>`);
  }
  lines.push('</body></html>', '');
  return lines.join('\n');
}
