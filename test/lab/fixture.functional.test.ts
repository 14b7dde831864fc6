import { expect } from 'chai';
import { runChecked } from '../../src/exec/check.js';
import { readLabState } from '../../src/lab/state.js';
import { requireRootAndFuse, sharedLab } from '../helpers/lab.js';

describe('lab fixture (functional)', function () {
  this.timeout(120_000);

  before(async function () {
    requireRootAndFuse(this);
    // waiting for another process's turn on the shared lab is not the tests' time
    this.timeout(20 * 60_000);
    await sharedLab();
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

  it('sharedLab() is brought up once per process: a second call reuses the running lab', async function () {
    const first = await sharedLab();
    const createdAt = readLabState(first.name)?.createdAt;
    expect(createdAt).to.be.a('string');
    // a lab brought up again would have a new state file and fresh node file systems
    const marker = `/var/lib/fixture-marker-${process.pid}`;
    await runChecked(first.runner('n1'), ['sh', '-c', 'echo here > "$1"', 'sh', marker]);
    const second = await sharedLab();
    expect(readLabState(second.name)?.createdAt).to.equal(createdAt);
    expect((await runChecked(second.runner('n1'), ['cat', marker])).stdout).to.equal('here\n');
    await runChecked(second.runner('n1'), ['rm', '-f', marker]);
  });
});
