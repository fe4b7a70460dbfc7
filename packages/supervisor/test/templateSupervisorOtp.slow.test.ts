import { checkTemplateSupervisors } from './helpers/templateProperty.ts';

describe('template supervisors against the OTP reference model (slow tier)', () => {
  it('agree under new random commands for the tier budget (PORTICO_PROPERTY_SECONDS)', function () {
    this.timeout(600_000);
    const details = checkTemplateSupervisors({ numRuns: 1_000_000 });
    console.log(`      ${details.numRuns} runs`);
  });
});
