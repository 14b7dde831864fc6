import { expect } from 'chai';
import { FlockerError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';

/**
 * The error a promise rejects with. Fails the test if it resolves, or if the error is not the
 * expected one: a FlockerError with code `expected`, or (for errors that carry no code) an error
 * whose message matches `expected`. Required, so that any failure (a missing binary, a typo in
 * argv) cannot pass for the refusal under test.
 */
export async function rejects(p: Promise<unknown>, expected: ErrorCode | RegExp): Promise<Error> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new Error('expected a rejection');
  expect(err).to.be.instanceOf(Error);
  if (expected instanceof RegExp) expect((err as Error).message).to.match(expected);
  else {
    expect(err, String(err)).to.be.instanceOf(FlockerError);
    expect((err as FlockerError).code, (err as Error).message).to.equal(expected);
  }
  return err as Error;
}
