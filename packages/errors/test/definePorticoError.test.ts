import assert from 'node:assert/strict';
import { PorticoError, definePorticoError, definedErrors } from '../src/index.ts';

describe('definePorticoError', () => {
  const Sample = definePorticoError('PORTICO_ERR_TEST_SAMPLE', 'SampleError', (what: string) => `fix ${what}`);
  const Other = definePorticoError('PORTICO_ERR_TEST_OTHER', 'OtherError', () => 'other');

  it('builds the message, code and name from the definition', () => {
    const error = new Sample('the option');
    assert.equal(error.message, 'fix the option');
    assert.equal(error.code, 'PORTICO_ERR_TEST_SAMPLE');
    assert.equal(error.name, 'SampleError');
    assert.equal(Sample.code, 'PORTICO_ERR_TEST_SAMPLE');
  });

  it('answers instanceof for its own code only', () => {
    const error = new Sample('x');
    assert.ok(error instanceof Sample);
    assert.ok(error instanceof PorticoError);
    assert.ok(error instanceof Error);
    assert.ok(!(error instanceof Other));
    assert.ok(!(new Error('plain') instanceof PorticoError));
  });

  it('keeps a trailing Error argument as the cause', () => {
    const Wrapped = definePorticoError('PORTICO_ERR_TEST_WRAPPED', 'WrappedError', (why: string, _cause: Error) => why);
    const cause = new Error('root');
    assert.equal(new Wrapped('outer', cause).cause, cause);
  });

  it('refuses to define a code twice', () => {
    assert.throws(() => definePorticoError('PORTICO_ERR_TEST_SAMPLE', 'Again', () => ''), /defined twice/);
  });

  it('lists what it defined', () => {
    assert.ok(definedErrors().some((e) => e.code === 'PORTICO_ERR_TEST_OTHER' && e.name === 'OtherError'));
  });
});
