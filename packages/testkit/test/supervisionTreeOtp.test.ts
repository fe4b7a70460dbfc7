import assert from 'node:assert/strict';
import { checkTreesAgainstOtp } from './otpTreeProperty.ts';

describe('supervision trees against the OTP reference model', () => {
  it('agree on every event, stop, start, state and time under a seeded sample of random commands', async function () {
    this.timeout(120_000);
    const stats = { commands: 0 };
    // Seeded and bounded: the same runs every time, to their end (the tier's time box would cut
    // them short at random); test:slow's supervisionTreeOtp.slow explores new ones.
    const details = await checkTreesAgainstOtp({ seed: 20261207, numRuns: 250, interruptAfterTimeLimit: 600_000 }, stats);
    assert.equal(details.numRuns, 250);
    console.log(`      ${details.numRuns} runs, ${stats.commands} commands`);
  });
});
