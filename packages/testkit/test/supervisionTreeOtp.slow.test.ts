import { checkTreesAgainstOtp } from './otpTreeProperty.ts';

describe('supervision trees against the OTP reference model (slow tier)', () => {
  it('agree under new random trees and commands for the tier budget (PORTICO_PROPERTY_SECONDS)', async function () {
    this.timeout(600_000);
    const stats = { commands: 0 };
    // A fresh seed each run (printed on failure with the path to replay it), until the budget.
    const details = await checkTreesAgainstOtp({ numRuns: 100_000 }, stats);
    console.log(`      ${details.numRuns} runs, ${stats.commands} commands`);
  });
});
