import assert from 'node:assert/strict';
import { didYouMean } from '../../src/internal/config/didYouMean.ts';

describe('didYouMean', () => {
  const keys = ['startupTimeLimit', 'shutdownTimeLimit', 'processPath', 'arguments', 'name'];

  it('finds a key that differs only in case', () => {
    assert.equal(didYouMean('startupTimelimit', keys), 'startupTimeLimit');
  });

  it('finds a key with swapped or missing letters', () => {
    assert.equal(didYouMean('proccessPath', keys), 'processPath');
    assert.equal(didYouMean('arugments', keys), 'arguments');
  });

  it('suggests nothing when no key is close', () => {
    assert.equal(didYouMean('colour', keys), undefined);
  });
});
