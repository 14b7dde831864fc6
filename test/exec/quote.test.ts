import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { shellQuote, shellQuoteArg } from '../../src/exec/quote.js';

// Round trip: the remote side runs `sh -c COMMAND`; printing each argument NUL-terminated must
// give back exactly what we quoted.
function roundTrip(argv: readonly string[]): string[] {
  const cmd = shellQuote(['printf', '%s\\0', ...argv]);
  const out = execFileSync('/bin/sh', ['-c', cmd]);
  const parts = out.toString('utf8').split('\0');
  parts.pop();
  return parts;
}

describe('shell quoting round trip through sh -c', () => {
  const odd = [
    'plain',
    'with space',
    "it's",
    '"double"',
    '$HOME',
    '`id`',
    '$(id)',
    'a\nb',
    'tab\there',
    '\\backslash\\',
    '*',
    '?',
    '~',
    '~user',
    '#comment',
    ';',
    '&&',
    '|',
    '>',
    '<(x)',
    '!',
    '{a,b}',
    '-n',
    '--flag=value',
    'ünïcødé ✓ 日本',
    "'",
    "''",
    '\'"\'"',
    '%s',
    'a=b',
    ' leading and trailing ',
  ];
  for (const arg of odd) {
    it(`keeps ${JSON.stringify(arg)}`, () => {
      expect(roundTrip([arg])).to.deep.equal([arg]);
    });
  }
  it('keeps all of them at once, in order', () => {
    expect(roundTrip(odd)).to.deep.equal(odd);
  });
  it('keeps a printf argument that is empty (only as a non-first argument)', () => {
    expect(roundTrip(['x', '', 'y'])).to.deep.equal(['x', '', 'y']);
  });
  it('leaves safe words bare and quotes the rest', () => {
    expect(shellQuoteArg('zfs')).to.equal('zfs');
    expect(shellQuoteArg('flocker/volumes')).to.equal('flocker/volumes');
    expect(shellQuoteArg('')).to.equal("''");
    expect(shellQuoteArg("a'b")).to.equal(`'a'\\''b'`);
  });
});
