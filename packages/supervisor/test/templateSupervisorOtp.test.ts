import assert from 'node:assert/strict';
import { checkTemplateSupervisors } from './helpers/templateProperty.ts';

describe('template supervisors against the OTP reference model', () => {
  it('agree on every answer, state and stop under a seeded sample of random commands', function () {
    this.timeout(120_000);
    // Seeded and bounded, run to their end; templateSupervisorOtp.slow explores new seeds.
    const details = checkTemplateSupervisors({ seed: 20261207, numRuns: 300, interruptAfterTimeLimit: 600_000 });
    assert.equal(details.numRuns, 300);
  });
});
