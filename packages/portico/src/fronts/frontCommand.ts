import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The file a front process runs and the control's Node flags it gets (before `frontNodeFlags`). */
export interface FrontCommand {
  readonly entry: string;
  readonly execArgv: readonly string[];
}

/** The flags that make Node run the TypeScript source: tsx's loader and the workspace's source condition. */
const sourceFlag = /^--(?:import|loader|experimental-loader)=tsx(?:\/|$)|^--conditions=portico-source$/;

/**
 * What a front is started with: as `fork` would, the control's own kind of entry file and its own
 * flags, so a control that runs the TypeScript source through tsx (the tests) starts its fronts
 * that way too. With PORTICO_FRONTS_COMPILED=1, which the test scripts set after `tsc -b` has
 * built dist/ from the same source, such a control starts dist's compiled front instead, without
 * tsx's loader: that loader cost each front about a second of CPU at its start (1.7 s against
 * 0.7 s), and the end-to-end tier starts some fifty fronts. An installed Portico runs dist/
 * already, where this changes nothing.
 */
export function frontCommand(env: Readonly<Record<string, string | undefined>> = process.env): FrontCommand {
  const here = fileURLToPath(import.meta.url);
  if (extname(here) === '.ts' && env['PORTICO_FRONTS_COMPILED'] === '1') {
    const compiled = fileURLToPath(new URL('../../dist/src/fronts/frontMain.js', import.meta.url));
    if (existsSync(compiled)) return { entry: compiled, execArgv: process.execArgv.filter((flag) => !sourceFlag.test(flag)) };
  }
  return { entry: fileURLToPath(new URL(`./frontMain${extname(here)}`, import.meta.url)), execArgv: process.execArgv };
}
