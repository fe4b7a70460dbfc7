import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { frontCommand } from '../../src/fronts/frontCommand.ts';

// These tests run the TypeScript source through tsx (.mocharc.json), as a control process in the
// test tiers does.
describe('frontCommand', () => {
  it('starts a front as the control runs: the source entry, with the control\'s own flags (tsx\'s loader among them)', () => {
    const { entry, execArgv } = frontCommand({});
    assert.match(entry, /\/packages\/portico\/src\/fronts\/frontMain\.ts$/);
    assert.deepEqual(execArgv, process.execArgv);
    assert.ok(execArgv.some((flag) => flag.includes('tsx')), JSON.stringify(execArgv));
  });

  it('starts dist\'s compiled front, without tsx\'s loader or the source condition, where PORTICO_FRONTS_COMPILED=1', function () {
    // Not built yet (a fresh checkout before tsc -b): the source entry, as above.
    if (!existsSync(new URL('../../dist/src/fronts/frontMain.js', import.meta.url))) this.skip();
    const { entry, execArgv } = frontCommand({ PORTICO_FRONTS_COMPILED: '1' });
    assert.match(entry, /\/packages\/portico\/dist\/src\/fronts\/frontMain\.js$/);
    assert.deepEqual(
      execArgv.filter((flag) => flag.includes('tsx') || flag.includes('portico-source')),
      [],
    );
    assert.deepEqual(execArgv, process.execArgv.filter((flag) => !flag.includes('tsx') && !flag.includes('portico-source')), 'every other flag kept');
  });
});
