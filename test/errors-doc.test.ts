import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { renderErrorsDoc } from '../src/errors-doc.js';
import { ERROR_CODES, FlockerError, exitCodeFor } from '../src/errors.js';

describe('error catalogue', () => {
  it('docs/errors.md is the catalogue as it is (node scripts/errors-doc.mjs rewrites it)', () => {
    expect(readFileSync('docs/errors.md', 'utf8')).to.equal(renderErrorsDoc());
  });

  it("a code's source decides the exit status unless an error says otherwise", () => {
    expect(exitCodeFor(new FlockerError('x', 'E_INPUT'))).to.equal(2);
    expect(exitCodeFor(new FlockerError('x', 'E_NODE_COMMAND'))).to.equal(1);
    expect(exitCodeFor(new FlockerError('x', 'E_NODE', 'user'))).to.equal(2);
    expect(exitCodeFor(new Error('a bug'))).to.equal(1);
    for (const [code, [source]] of Object.entries(ERROR_CODES))
      expect(['user', 'system'], code).to.include(source);
  });
});
