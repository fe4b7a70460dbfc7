import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_PROPERTY_SECONDS, propertySeconds } from './helpers/propertyBudget.ts';

describe('the property budget (PORTICO_PROPERTY_SECONDS)', () => {
  it('is 1 s by default and what the variable says otherwise', () => {
    assert.equal(propertySeconds({}), DEFAULT_PROPERTY_SECONDS);
    assert.equal(propertySeconds({ PORTICO_PROPERTY_SECONDS: '' }), DEFAULT_PROPERTY_SECONDS);
    assert.equal(propertySeconds({ PORTICO_PROPERTY_SECONDS: '8' }), 8);
    assert.equal(propertySeconds({ PORTICO_PROPERTY_SECONDS: '0.5' }), 0.5);
  });

  for (const text of ['0', '-1', 'eight', 'Infinity']) {
    it(`refuses PORTICO_PROPERTY_SECONDS="${text}", naming the variable and what it takes`, () => {
      assert.throws(() => propertySeconds({ PORTICO_PROPERTY_SECONDS: text }), {
        message: `PORTICO_PROPERTY_SECONDS must be a positive number of seconds (how long each time-boxed property run may take), not "${text}"`,
      });
    });
  }

  it("is every fast-check run's time limit in this test process (mocha loads the hook)", () => {
    assert.equal(fc.readConfigureGlobal().interruptAfterTimeLimit, propertySeconds() * 1000);
  });

});
