import { expect } from 'chai';
import { requireRootAndFuse, sharedLab } from '../helpers/lab.js';

describe('lab fixture (functional)', function () {
  this.timeout(120_000);

  before(function () {
    requireRootAndFuse(this);
  });

  it('sharedLab() gives a 2-node lab whose runners run argv in each node', async function () {
    const lab = await sharedLab();
    expect(lab.nodes.map((n) => n.name)).to.deep.equal(['n1', 'n2']);
    for (const n of lab.nodes) {
      const r = await lab.runner(n.name).run(['sh', '-c', 'echo "$1 $(hostname)"', 'sh', "it's quoted"]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal(`it's quoted ${n.name}\n`);
    }
    expect(lab.runner('n1').host).to.equal('n1');
  });

  it('sharedLab() is brought up once per process', async function () {
    const a = await sharedLab();
    const b = await sharedLab();
    expect(a).to.equal(b);
  });
});
