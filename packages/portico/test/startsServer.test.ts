import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { startShortValueOptions, startsServer, startValueOptions } from '../bin/startsServer.js';
import { startCommand } from '../src/cli/startCommand.ts';

// The launcher ignores SIGHUP, SIGUSR1 and SIGUSR2 while the server's modules load. It tested
// only `argv[2] === 'start'`, so `portico start APP`, which asks a running Portico, ignored them
// too (cli-long-running-signals.e2e.test.ts has the hangup it then outlived).
describe('startsServer (bin/startsServer.js)', () => {
  it('knows every option of start that takes a value, as startCommand declares them', () => {
    const declared = Object.entries(startCommand.options).filter(([, option]) => option.type === 'string');
    assert.deepEqual([...startValueOptions].sort(), declared.map(([name]) => name).sort());
    assert.deepEqual(
      startShortValueOptions,
      Object.fromEntries(declared.filter(([, option]) => option.short !== undefined).map(([name, option]) => [option.short, name])),
    );
  });

  it('tells the server from start APP, as parseArgs reads the arguments', () => {
    const server = [
      ['start', '-c', 'portico.json'],
      ['start', '--config', 'shop'],
      ['start', '--config=portico.json', '--log-level', 'debug'],
      ['start', '-cportico.json', '--log-format', 'json'],
      ['start', '-hc', 'shop'],
      ['start', '-c', 'portico.json', '--'],
      ['start'],
    ];
    const client = [
      ['start', 'shop'],
      ['start', '-c', 'portico.json', 'shop'],
      ['start', '-a', '127.0.0.1:9901', '--timeout', '30', 'shop'],
      ['start', '--admin=9901', 'shop'],
      ['start', '-cportico.json', 'shop'],
      ['start', '-c', 'portico.json', '--', '-shop'],
      ['start', '-'],
    ];
    // What main's parseArgs makes of them, with start's options: no positional is the server.
    const parsed = (args: readonly string[]) =>
      parseArgs({ args: args.slice(1), options: { ...startCommand.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }).positionals.length === 0;
    for (const args of server) assert.equal(startsServer(args) && parsed(args), true, args.join(' '));
    for (const args of client) assert.equal(startsServer(args) || parsed(args), false, args.join(' '));
    assert.equal(startsServer(['restart', '-c', 'portico.json']), false);
  });
});
