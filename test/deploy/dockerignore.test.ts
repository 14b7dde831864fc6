// .dockerignore read and matched as docker does (moby/patternmatcher, docker/cli), the cases
// of docker's documentation first.
import { expect } from 'chai';
import { goClean, ignoreMatcher, readDockerignore } from '../../src/deploy/dockerignore.js';

/** [.dockerignore lines, path, excluded?] */
const CASES: readonly (readonly [readonly string[], string, boolean])[] = [
  // docker's docs
  [['*/temp*'], 'somedir/temporary.txt', true],
  [['*/temp*'], 'somedir/temp', true],
  [['*/temp*'], 'somedir/temp/inner.txt', true],
  [['*/temp*'], 'temp', false],
  [['*/temp*'], 'a/b/temp', false],
  [['*/*/temp*'], 'somedir/subdir/temporary.txt', true],
  [['*/*/temp*'], 'somedir/temporary.txt', false],
  [['temp?'], 'tempa', true],
  [['temp?'], 'temp', false],
  [['temp?'], 'tempab', false],
  [['temp?'], 'temp/', false],
  [['**/*.go'], 'main.go', true],
  [['**/*.go'], 'cmd/x/main.go', true],
  [['**/*.go'], 'main.gox', false],
  [['*.md', '!README*.md'], 'CHANGES.md', true],
  [['*.md', '!README*.md'], 'README-secret.md', false],
  [['*.md', '!README*.md', 'README-secret.md'], 'README-secret.md', true],
  [['*.md', '!README*.md', 'README-secret.md'], 'README.md', false],
  [['*.md'], 'docs/x.md', false],
  // a '!' re-includes under an excluded folder; later patterns win
  [['docs', '!docs/keep.md'], 'docs/keep.md', false],
  [['docs', '!docs/keep.md'], 'docs/other.md', true],
  [['docs', '!docs/keep.md'], 'docs', true],
  [['!keep', '*'], 'keep', true],
  [['*', '!keep'], 'keep', false],
  [['*', '!keep'], 'keep/inner', false],
  [['*', '!keep', 'keep/drop'], 'keep/drop', true],
  // a leading '/' is dropped: patterns are relative to the context's root
  [['/foo'], 'foo', true],
  [['/foo'], 'foo/bar', true],
  [['/foo'], 'a/foo', false],
  // comments: '#' first on the line only
  [['# foo'], '# foo', false],
  [['# foo'], 'foo', false],
  [[' # foo'], '# foo', true],
  // cleaned like filepath.Clean
  [['a/./b/../c/'], 'a/c', true],
  [['./x'], 'x', true],
  // '**' forms
  [['**'], 'anything/at/all', true],
  [['foo/**'], 'foo/x/y', true],
  [['foo/**'], 'foo', false],
  [['foo**'], 'foobar', true],
  [['**/foo'], 'foo', true],
  [['**/foo'], 'a/b/foo', true],
  [['**/foo'], 'a/b/foo/c', true],
  [['**/foo'], 'a/xfoo', false],
  [['foo/**/bar'], 'foo/bar', true],
  [['foo/**/bar'], 'foo/a/b/bar', true],
  [['foo/**/bar'], 'foo/a/b/bart', false],
  [['**/*'], 'x', true],
  // '*' and '?' stay within a segment
  [['a*b'], 'a/b', false],
  [['a?b'], 'a/b', false],
  [['*'], 'a/b', true], // through its parent 'a'
  // classes and escapes
  [['[a-c].txt'], 'b.txt', true],
  [['[a-c].txt'], 'd.txt', false],
  [['[^a-c].txt'], 'd.txt', true],
  [['[^a-c].txt'], 'a.txt', false],
  [['\\*.txt'], '*.txt', true],
  [['\\*.txt'], 'a.txt', false],
  [['a\\[b'], 'a[b', true],
  // regexp characters are literal
  [['a.b'], 'axb', false],
  [['a+(b)|{c}$'], 'a+(b)|{c}$', true],
  [['f.*'], 'f.txt', true],
  [['f.*'], 'fxtxt', false],
  // one character is one code point
  [['?.txt'], 'é.txt', true],
  [['?.txt'], '😀.txt', true],
];

const excluded = (lines: readonly string[], path: string): boolean =>
  ignoreMatcher(readDockerignore(lines.join('\n'))).excluded(path);

describe('.dockerignore', () => {
  for (const [lines, path, want] of CASES) {
    it(`${JSON.stringify(lines)} ${want ? 'excludes' : 'keeps'} ${path}`, () => {
      expect(excluded(lines, path)).to.equal(want);
    });
  }

  it('reads lines as docker/cli does: BOM, CRLF, blanks, comments, "!" and "/" normalized', () => {
    const text = '\uFEFF# header\r\n\r\n  node_modules/  \r\n! /dist//x/\n/\n#not\n  #yes\n**/.git\n';
    expect(readDockerignore(text)).to.deep.equal(['node_modules', '!dist/x', '/', '#yes', '**/.git']);
  });

  it('Go Clean: trailing slashes, dots, empty', () => {
    expect(['', 'a/', 'a//b', './a/../b', '/..', '/'].map(goClean)).to.deep.equal([
      '.',
      'a',
      'a/b',
      'b',
      '/',
      '/',
    ]);
  });

  it('tells whether any pattern is an exclusion, and keeps each cleaned text', () => {
    const m = ignoreMatcher(readDockerignore('a\n!b/c\n'));
    expect(m.exclusions).to.equal(true);
    expect(m.patterns.map((p) => [p.text, p.exclusion])).to.deep.equal([
      ['a', false],
      ['b/c', true],
    ]);
    expect(ignoreMatcher(['a']).exclusions).to.equal(false);
  });

  for (const bad of ['!', '[abc', 'a\\', '[]a]', '[z-a]', 'a\\q']) {
    it(`refuses the bad pattern ${JSON.stringify(bad)} (E_IMAGE_BUILD)`, () => {
      expect(() => ignoreMatcher([bad]).excluded('x'))
        .to.throw()
        .with.property('code', 'E_IMAGE_BUILD');
    });
  }
});
