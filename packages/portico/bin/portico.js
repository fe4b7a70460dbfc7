#!/usr/bin/env node
// The `portico` command. Inside the workspace it runs the TypeScript source through tsx with the
// `portico-source` export condition, so workspace packages resolve to their src/ as in tests;
// installed from a registry (no src/, no tsx), it runs the compiled dist/.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const source = new URL('../src/cli/index.ts', import.meta.url);

async function loadCli() {
  if (existsSync(source)) {
    try {
      await import('tsx');
    } catch {
      return import('../dist/src/cli/index.js');
    }
    // Conditions cannot be changed from inside a running process (they come from --conditions),
    // but a resolve hook can add one to every resolution it forwards. Registered after tsx, it
    // runs first and hands tsx the extended context. This avoids re-spawning node.
    const hook =
      'export async function resolve(specifier, context, next) {' +
      " return next(specifier, context.conditions.includes('portico-source') ? context : { ...context, conditions: [...context.conditions, 'portico-source'] }); }";
    register(`data:text/javascript,${encodeURIComponent(hook)}`);
    return import(source.href);
  }
  return import('../dist/src/cli/index.js');
}

const { main, processIo } = await loadCli();
process.exitCode = await main(process.argv.slice(2), processIo());
