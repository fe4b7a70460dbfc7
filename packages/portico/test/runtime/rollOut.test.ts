import assert from 'node:assert/strict';
import type { WorkerExit } from '@portico/worker-actor';
import type { AppRuntime } from '../../src/runtime/AppRuntime.ts';
import { replacementFailure } from '../../src/runtime/rollOut.ts';

const shop = { config: { name: 'shop', startupTimeLimit: 5 } } as unknown as AppRuntime;
const exit = (stderrTail: string, more: Partial<WorkerExit> = {}): WorkerExit => ({ kind: 'failed_to_start', pid: 4242, code: 1, signal: null, uptimeMs: 300, stderrTail, killed: false, ...more });
const failure = (worker: WorkerExit) => replacementFailure(shop, { worker: 'shop#2', replacement: 'shop#3', exit: worker, error: 'failed to start' });

// A failed rollout quoted the last line of the worker's stderr alone: for a Node app, whose
// uncaught error ends with its stack and "Node.js v20.20.2", that said nothing of the cause.
describe('a failed rollout says why', () => {
  it("quotes a Node app's error, not only the Node.js version line its stderr ends with", () => {
    const tail = [
      'node:internal/modules/cjs/loader:1228',
      '  throw err;',
      '  ^',
      '',
      "Error: Cannot find module 'express'",
      'Require stack:',
      '- /srv/shop/server.js',
      '    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)',
      '    at Module._load (node:internal/modules/cjs/loader:1051:27)',
      '    at Object.<anonymous> (/srv/shop/server.js:1:17) {',
      "  code: 'MODULE_NOT_FOUND',",
      "  requireStack: [ '/srv/shop/server.js' ]",
      '}',
      '',
      'Node.js v20.20.2',
      '',
    ].join('\n');
    const message = failure(exit(tail));
    assert.match(message, /^rollout of shop failed: shop#3, replacing shop#2, failed to start, code 1: /);
    assert.match(message, /Error: Cannot find module 'express'/);
    assert.doesNotMatch(message, /\n/, 'one line: status, the CLI and the event show it as one');
  });

  it("quotes a Python app's exception, the last lines of an app that states no error, and the signal that ended a worker", () => {
    const tail = 'Traceback (most recent call last):\n  File "/srv/app.py", line 3, in <module>\n    import flask\nModuleNotFoundError: No module named \'flask\'\n';
    assert.match(failure(exit(tail)), /failed to start, code 1: ModuleNotFoundError: No module named 'flask'$/);
    assert.match(failure(exit('starting shop\nlistening on 8080\nshutting down: the database went away\n')), /code 1: starting shop \| listening on 8080 \| shutting down: the database went away$/);
    assert.match(failure(exit('', { kind: 'crashed', code: null, signal: 'SIGSEGV' })), /^rollout of shop failed: shop#3, replacing shop#2, crashed, signal SIGSEGV$/);
  });

  it("quotes a coloured error by its words, and shows the other control characters of a worker's stderr as \\xHH", () => {
    // portico status and portico reload print the message on the operator's terminal: a worker's
    // stderr must not set its title, nor hide the cause behind the colour codes around 'Error:'.
    const tail = '\x1b[31mError: boom\x1b[0m\n\x1b]0;owned\x07\u009b2J\n';
    const message = failure(exit(tail));
    assert.doesNotMatch(message, /[\x00-\x1f\x7f-\x9f]/, JSON.stringify(message));
    assert.match(message, /code 1: Error: boom \| \\x1b\]0;owned\\x07\\x9b2J$/);
  });

  it('bounds the quote, however long the lines the worker wrote', () => {
    const message = failure(exit(`${'x'.repeat(100_000)}\n`.repeat(20)));
    assert.ok(message.length <= 700, `${message.length} characters`);
    assert.ok(failure(exit('y'.repeat(100_000))).length <= 700);
  });
});
