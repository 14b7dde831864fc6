import { expect } from 'chai';
import {
  SshConfigSyntaxError,
  matchPatternList,
  splitConfigWords,
  wildcardMatch,
} from '../../src/ssh/ssh-config.js';

describe('ssh config: wildcard and pattern lists', () => {
  it('matches * and ? over the whole name', () => {
    expect(wildcardMatch('*', '')).to.equal(true);
    expect(wildcardMatch('node*', 'node12')).to.equal(true);
    expect(wildcardMatch('node?', 'node1')).to.equal(true);
    expect(wildcardMatch('node?', 'node12')).to.equal(false);
    expect(wildcardMatch('*.example.com', 'a.b.example.com')).to.equal(true);
    expect(wildcardMatch('*.example.com', 'example.com')).to.equal(false);
    expect(wildcardMatch('a*b*c', 'aXbYbZc')).to.equal(true);
    expect(wildcardMatch('a*b*c', 'aXbYbZ')).to.equal(false);
    expect(wildcardMatch('10.0.0.?', '10.0.0.1')).to.equal(true);
  });
  it('negation vetoes, and a list needs one positive match', () => {
    expect(matchPatternList(['*.lab', '!db.lab'], 'web.lab')).to.equal(true);
    expect(matchPatternList(['*.lab', '!db.lab'], 'db.lab')).to.equal(false);
    expect(matchPatternList(['!db.lab'], 'web.lab')).to.equal(false);
    expect(matchPatternList(['WEB'], 'web')).to.equal(true);
  });
});

describe('ssh config: words', () => {
  it('splits words with quotes and comments', () => {
    expect(splitConfigWords('"/a b/c" d # comment', 'f', 1)).to.deep.equal(['/a b/c', 'd']);
    expect(() => splitConfigWords('"open', 'f', 3)).to.throw(SshConfigSyntaxError, 'f:3');
  });
});
