import { expect } from 'chai';
import { formatPath, locate, locateParent, offsetToLineCol } from '../../src/config/yaml-source.js';
import { parseYaml } from '../../src/config/yaml-build.js';
import type { YamlDocument } from '../../src/config/yaml-source.js';

function doc(text: string): YamlDocument {
  const r = parseYaml(text, 'f.yml');
  if (!r.doc || r.problems.length) throw new Error(JSON.stringify(r.problems));
  return r.doc;
}

describe('config/yaml-source positions', () => {
  it('maps offsets to 1-based line and column', () => {
    const starts = [0, 4, 10];
    expect(offsetToLineCol(starts, 0)).to.deep.equal({ line: 1, column: 1 });
    expect(offsetToLineCol(starts, 5)).to.deep.equal({ line: 2, column: 2 });
    expect(offsetToLineCol(starts, 12)).to.deep.equal({ line: 3, column: 3 });
  });

  it('block style: values, keys and parents', () => {
    const d = doc(
      'version: 1\napplications:\n  web:\n    ports:\n      - internal: 80\n        external: 8080\n',
    );
    expect(locate(d, ['applications', 'web', 'ports', 0, 'external'])).to.deep.equal({ line: 6, column: 19 });
    expect(locate(d, ['applications', 'web', 'ports', 0, 'external'], 'key')).to.deep.equal({
      line: 6,
      column: 9,
    });
    expect(locate(d, ['applications', 'web', 'ports', 0], 'key')).to.deep.equal({ line: 5, column: 9 });
    expect(locateParent(d, ['applications', 'web'])).to.deep.equal({ line: 3, column: 3 });
    expect(locate(d, ['version'])).to.deep.equal({ line: 1, column: 10 });
  });

  it('flow style', () => {
    const d = doc(
      '{version: 1, applications: {web: {image: nginx, ports: [{internal: 80, external: x}]}}}\n',
    );
    expect(locate(d, ['applications', 'web', 'image'])).to.deep.equal({ line: 1, column: 42 });
    expect(locate(d, ['applications', 'web', 'ports', 0, 'external'])).to.deep.equal({ line: 1, column: 82 });
    expect(locate(d, ['applications', 'web'], 'key')).to.deep.equal({ line: 1, column: 29 });
  });

  it('points at the opening quote of quoted scalars', () => {
    const d = doc('a: "x"\nb: \'y\'\n"c d": 1\n');
    expect(locate(d, ['a'])).to.deep.equal({ line: 1, column: 4 });
    expect(locate(d, ['b'])).to.deep.equal({ line: 2, column: 4 });
    expect(locate(d, ['c d'], 'key')).to.deep.equal({ line: 3, column: 1 });
  });

  it('an empty value points at its key; a missing path at its deepest existing part', () => {
    const d = doc('a:\n  b:\n  c: 1\n');
    expect(locate(d, ['a', 'b'])).to.deep.equal({ line: 2, column: 3 });
    expect(locate(d, ['a', 'zzz', 'q'])).to.deep.equal({ line: 1, column: 1 });
    expect(locate(d, ['a', 'c', 'deeper'])).to.deep.equal({ line: 3, column: 3 });
  });

  it('inside an alias points at the alias', () => {
    const d = doc('x: &p\n  - {n: 1}\ny: *p\n');
    expect(locate(d, ['y', 0, 'n'])).to.deep.equal({ line: 3, column: 4 });
    expect(locate(d, ['x', 0, 'n'])).to.deep.equal({ line: 2, column: 9 });
  });

  it('reports every duplicate key with both positions', () => {
    const r = parseYaml('a: 1\nb: {c: 1, c: 2}\na: 3\n', 'f.yml');
    expect(r.doc).to.not.equal(null); // the value is still built: other checks run
    expect(r.problems.map((p) => `${p.line}:${p.column} ${p.path}`)).to.deep.equal(['2:11 b.c', '3:1 a']);
    expect(r.problems[1]?.message).to.contain('first defined at line 1 column 1');
  });

  it('syntax errors carry the parser mark, 1-based', () => {
    const r = parseYaml('a: 1\n b: 2\n', 'f.yml');
    expect(r.doc).to.equal(null);
    expect(r.problems).to.have.length(1);
    expect(r.problems[0]?.line).to.equal(2);
    expect(r.problems[0]?.message).to.match(/^invalid YAML: /);
  });

  it('an empty or comment-only file is an empty document', () => {
    for (const t of ['', '# only a comment\n', '\n\n']) {
      const r = parseYaml(t, 'f.yml');
      expect(r.problems).to.deep.equal([]);
      expect(r.doc?.value).to.equal(null);
    }
  });

  it('formats key paths', () => {
    expect(formatPath(['applications', 'web', 'ports', 0, 'external'])).to.equal(
      'applications.web.ports[0].external',
    );
    expect(formatPath(['nodes', 'a b', 1])).to.equal('nodes["a b"][1]');
    expect(formatPath([])).to.equal('');
  });
});

describe('config/yaml-source block scalars and line endings', () => {
  it('a block scalar points at its indicator', () => {
    const d = doc('a:\n  b: |\n    one\n    two\n  c: >-\n\n    folded\n');
    expect(locate(d, ['a', 'b'])).to.deep.equal({ line: 2, column: 6 });
    expect(locate(d, ['a', 'c'])).to.deep.equal({ line: 5, column: 6 });
  });

  it('CRLF line endings count lines the same', () => {
    const d = doc('a: 1\r\nb:\r\n  c: x\r\n');
    expect(locate(d, ['b', 'c'])).to.deep.equal({ line: 3, column: 6 });
  });

  it('an explicit document start/end is one document', () => {
    const d = doc('---\na: 1\n...\n');
    expect(locate(d, ['a'])).to.deep.equal({ line: 2, column: 4 });
  });
});
