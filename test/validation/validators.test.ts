import { expect } from 'chai';
import { VALIDATORS_SOURCE, validateEntrySchema } from '../../src/validation/validators.js';

describe('validators', () => {
  it('come from the standalone code the build generated (no schema compiling at run time)', () => {
    expect(VALIDATORS_SOURCE).to.equal('generated');
  });

  it('validate with the same options as the source schemas (errors carry parentSchema)', () => {
    expect(validateEntrySchema({ image: 1 })).to.equal(false);
    expect(validateEntrySchema.errors?.[0]?.parentSchema).to.have.property('description');
  });
});
