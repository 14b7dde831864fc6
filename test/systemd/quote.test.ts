import { expect } from 'chai';
import { systemdCommandLine, systemdQuoteArg } from '../../src/systemd/quote.js';

describe('systemd command-line quoting', function () {
  it('leaves safe words alone', function () {
    expect(systemdQuoteArg('/usr/bin/docker')).to.equal('/usr/bin/docker');
    expect(systemdQuoteArg('8080:80')).to.equal('8080:80');
    expect(systemdQuoteArg('flocker.application=web')).to.equal('flocker.application=web');
  });
  it('doubles % and $ everywhere and quotes what is not safe', function () {
    expect(systemdQuoteArg('50%')).to.equal('"50%%"');
    expect(systemdQuoteArg('$HOME')).to.equal('"$$HOME"');
    expect(systemdQuoteArg('${X}')).to.equal('"$${X}"');
  });
  it('escapes quotes, backslashes, control characters; quotes empty, space and ;', function () {
    expect(systemdQuoteArg('')).to.equal('""');
    expect(systemdQuoteArg('a b')).to.equal('"a b"');
    expect(systemdQuoteArg(';')).to.equal('";"');
    expect(systemdQuoteArg(`it's "x"`)).to.equal(`"it's \\"x\\""`);
    expect(systemdQuoteArg('a\\b')).to.equal('"a\\\\b"');
    expect(systemdQuoteArg('l1\nl2\t\x01')).to.equal('"l1\\nl2\\t\\x01"');
  });
  it('refuses NUL', function () {
    expect(() => systemdQuoteArg('a\0b')).to.throw(/NUL/);
  });
  it('joins words', function () {
    expect(systemdCommandLine(['docker', 'rm', '-f', 'a b'])).to.equal('docker rm -f "a b"');
  });
});
