#!/usr/bin/env node
// The `portico` command. It runs the compiled dist/, as every installed Portico does (the
// workspace builds it on install and before every test run). Only a checkout that has not been
// built yet, or PORTICO_SOURCE=1, runs the TypeScript source through tsx with the
// `portico-source` export condition, so workspace packages resolve to their src/.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { startsServer } from './startsServer.js';

// `portico start` is a long-running server: until its own handlers are in (startCommand), a
// SIGHUP (systemd's reload right after its start, a hangup sent to the group) would meet Node's
// default and end it while its modules load, and SIGUSR1 would open Node's inspector. Nothing is
// read yet, so a reload asked for now is what the coming first read does: these listeners ignore
// the signals, and stay, doing nothing, beside the command's own. Not for `portico start APP`,
// which asks a running Portico and is no server: a hangup ends it as it ends `portico restart
// APP` (before, the test here was `argv[2] === 'start'`, and a closed terminal left it waiting).
if (startsServer(process.argv.slice(2))) for (const signal of ['SIGHUP', 'SIGUSR1', 'SIGUSR2']) process.on(signal, () => {});

const compiled = new URL('../dist/src/cli/index.js', import.meta.url);
const source = new URL('../src/cli/index.ts', import.meta.url);

async function loadCli() {
  const fromSource = process.env.PORTICO_SOURCE === '1' || !existsSync(compiled);
  if (!fromSource || !existsSync(source)) return import(compiled.href);
  await import('tsx');
  // Conditions cannot be changed from inside a running process (they come from --conditions),
  // but a resolve hook can add one to every resolution it forwards. Registered after tsx, it
  // runs first and hands tsx the extended context. This avoids re-spawning node.
  const hook =
    'export async function resolve(specifier, context, next) {' +
    " return next(specifier, context.conditions.includes('portico-source') ? context : { ...context, conditions: [...context.conditions, 'portico-source'] }); }";
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  return import(source.href);
}

const { main, processIo } = await loadCli();
process.exitCode = await main(process.argv.slice(2), processIo());
