/** The pseudo-header fields of a request (authority `front.test`), `extra` after them: the fields of a `headers` frame. */
export function request(method: string, path: string, extra: ReadonlyArray<readonly [string, string]> = []): Array<readonly [string, string]> {
  return [[':method', method], [':scheme', 'http'], [':path', path], [':authority', 'front.test'], ...extra];
}
