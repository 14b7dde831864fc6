import { expect } from 'chai';
import { FlockerError } from '../../src/errors.js';

/** The FlockerError fn throws; fails the test if it returns or throws anything else. */
export function thrown(fn: () => unknown): FlockerError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(FlockerError);
    return e as FlockerError;
  }
  throw new Error('expected an error');
}
