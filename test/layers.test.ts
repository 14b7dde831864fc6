// The layer rules of docs/design.md, checked on the code's own import statements
// (scripts/import-graph.mjs prints the same graph for people).
import { expect } from 'chai';
// paths are relative to the project root: mocha runs there (npm test, scripts/test)

interface Edge {
  readonly from: string;
  readonly to: string;
}
interface Graph {
  fileImports(): Edge[];
  area(file: string): string;
}

const graphModule = '../../scripts/import-graph.mjs'; // from dist/test/
const { fileImports, area } = (await import(graphModule)) as Graph;
const edges = fileImports();

/** areas each area may never import */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  // pure and shared by both programs
  'src/model': [
    'src/plan',
    'src/deploy',
    'src/changestate',
    'src/reportstate',
    'src/node',
    'src/ssh',
    'src/exec',
    'src/lab',
    'src/config',
    'src/zfs',
    'src/systemd',
    'src/routing',
    'src/docker',
  ],
  'src/plan': [
    'src/deploy',
    'src/changestate',
    'src/reportstate',
    'src/node',
    'src/ssh',
    'src/exec',
    'src/lab',
    'src/config',
    'src/zfs',
    'src/systemd',
    'src/routing',
  ],
  // the two programs sit side by side and never climb into each other
  'src/deploy': ['src/changestate', 'src/reportstate', 'src/node', 'src/lab'],
  'src/changestate': ['src/deploy', 'src/ssh', 'src/lab', 'src/config'],
  'src/reportstate': ['src/deploy', 'src/ssh', 'src/lab', 'src/config', 'src/changestate'],
  'src/node': ['src/deploy', 'src/ssh', 'src/lab', 'src/config'],
  // adapters and seams know nothing of the programs above them
  'src/exec': [
    'src/deploy',
    'src/changestate',
    'src/reportstate',
    'src/node',
    'src/ssh',
    'src/lab',
    'src/zfs',
    'src/systemd',
    'src/routing',
    'src/docker',
  ],
  'src/zfs': ['src/deploy', 'src/changestate', 'src/reportstate', 'src/node', 'src/ssh', 'src/lab'],
  'src/systemd': ['src/deploy', 'src/changestate', 'src/reportstate', 'src/node', 'src/ssh', 'src/lab'],
  'src/routing': ['src/deploy', 'src/changestate', 'src/reportstate', 'src/node', 'src/ssh', 'src/lab'],
  'src/docker': ['src/deploy', 'src/changestate', 'src/reportstate', 'src/node', 'src/ssh', 'src/lab'],
  'src/ssh': ['src/deploy', 'src/changestate', 'src/reportstate', 'src/node', 'src/lab'],
  'src/lab': ['src/deploy', 'src/changestate', 'src/reportstate', 'src/ssh'],
  'src/config': ['src/deploy', 'src/changestate', 'src/reportstate', 'src/node', 'src/ssh', 'src/lab'],
};

const NODE_BUILTIN_FREE = ['src/model', 'src/plan'];

describe('layers (imports of src/)', () => {
  it('reads the import graph', () => {
    expect(edges.length).to.be.greaterThan(100);
    expect(edges.some((e) => e.from.startsWith('src/deploy/') && area(e.to) === 'src/plan')).to.equal(true);
  });

  for (const [from, banned] of Object.entries(FORBIDDEN)) {
    it(`${from} imports none of ${banned.join(', ')}`, () => {
      const bad = edges.filter((e) => area(e.from) === from && banned.includes(area(e.to)));
      expect(bad.map((e) => `${e.from} -> ${e.to}`)).to.deep.equal([]);
    });
  }

  it('every import names a file that exists', async () => {
    const { existsSync } = await import('node:fs');
    const dangling = edges.filter((e) => !existsSync(e.to));
    expect(dangling.map((e) => `${e.from} -> ${e.to}`)).to.deep.equal([]);
  });

  it(`${NODE_BUILTIN_FREE.join(' and ')} stay pure: no node: built-ins, no process, no packages with effects`, async () => {
    const { readFileSync } = await import('node:fs');
    const impure = [...new Set(edges.map((e) => e.from))]
      .filter((f) => NODE_BUILTIN_FREE.includes(area(f)))
      .filter((f) => /from\s+['"](node:|ssh2|chalk|listr2)/.test(readFileSync(f, 'utf8')));
    expect(impure).to.deep.equal([]);
  });
});
