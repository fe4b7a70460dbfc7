import assert from 'node:assert/strict';
import { exchangeWait, type ExchangeProgress } from '../../src/internal/policy/exchangeWait.ts';

const sentHead: ExchangeProgress = {
  settled: false,
  clientBehind: false,
  responseStarted: false,
  requestBodyEnded: false,
  backendHoldsBody: false,
  awaitingContinue: false,
};

describe('exchangeWait', () => {
  it('times nothing while the client body is awaited, or once the exchange is settled', () => {
    assert.equal(exchangeWait(sentHead), 'none');
    assert.equal(exchangeWait({ ...sentHead, settled: true, clientBehind: true }), 'none');
  });

  it('waits for the backend once it holds the body, owes a 100, has the whole request, or answered', () => {
    assert.equal(exchangeWait({ ...sentHead, backendHoldsBody: true }), 'backend');
    assert.equal(exchangeWait({ ...sentHead, awaitingContinue: true }), 'backend');
    assert.equal(exchangeWait({ ...sentHead, requestBodyEnded: true }), 'backend');
    assert.equal(exchangeWait({ ...sentHead, responseStarted: true }), 'backend');
  });

  it('waits for the client whenever it is behind, whatever the backend does', () => {
    assert.equal(exchangeWait({ ...sentHead, clientBehind: true, responseStarted: true, requestBodyEnded: true }), 'client');
  });
});
