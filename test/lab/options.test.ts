import { expect } from 'chai';
import { UsageError } from '../../src/errors.js';
import { formatCidr } from '../../src/lab/net.js';
import {
  OptionError,
  parseSize,
  validateLabName,
  validateNodeName,
  validateUpOptions,
} from '../../src/lab/options.js';
import { labNames, nodeNames, parseNodeName } from '../../src/lab/names.js';

describe('lab options', () => {
  it('--bare: nodes from the Debian rootfs', () => {
    expect(validateUpOptions({ bare: true }).bare).to.equal(true);
  });

  it('defaults: lab flab, 2 nodes, 198.51.100.0/24, 1G pool', () => {
    const o = validateUpOptions({});
    expect({ ...o, subnet: formatCidr(o.subnet) }).to.deep.equal({
      name: 'flab',
      nodes: 2,
      subnet: '198.51.100.0/24',
      poolSize: '1G',
      bare: false,
    });
  });

  it('accepts 1..5 nodes and refuses the rest as usage errors', () => {
    expect(validateUpOptions({ nodes: '5' }).nodes).to.equal(5);
    expect(validateUpOptions({ nodes: 1 }).nodes).to.equal(1);
    for (const n of ['0', '6', '2.5', 'two', '-1']) {
      expect(() => validateUpOptions({ nodes: n }), n).to.throw(OptionError, /--nodes/);
    }
    expect(new OptionError('x')).to.be.instanceOf(UsageError);
  });

  it('checks lab names: 1-6 chars [a-z0-9]', () => {
    expect(validateLabName('ltest')).to.equal('ltest');
    expect(validateLabName(undefined)).to.equal('flab');
    for (const n of ['', 'toolong', 'Ab', 'a-b', 'a b', '../x'])
      expect(() => validateLabName(n), n).to.throw(OptionError);
  });

  it('refuses 192.0.2.0/24 (the machine network), bad and too small subnets', () => {
    expect(() => validateUpOptions({ subnet: '192.0.2.0/24' })).to.throw(/machine's own network/);
    expect(() => validateUpOptions({ subnet: '192.0.0.0/16' })).to.throw(/machine's own network/);
    expect(() => validateUpOptions({ subnet: '198.51.100.1/24' })).to.throw(/not a network address/);
    expect(() => validateUpOptions({ subnet: '198.51.100.0/30', nodes: 2 })).to.throw(/room for 1 nodes/);
  });

  it('parses pool sizes, refusing junk and pools under 64M', () => {
    expect(parseSize('512M')).to.equal(512 * 2 ** 20);
    expect(parseSize('2g')).to.equal(2 * 2 ** 30);
    expect(parseSize('1.5G')).to.equal(undefined);
    expect(validateUpOptions({ poolSize: '256m' }).poolSize).to.equal('256M');
    expect(() => validateUpOptions({ poolSize: '32M' })).to.throw(/64M/);
    expect(() => validateUpOptions({ poolSize: 'big' })).to.throw(/--pool-size/);
  });

  it('node names n1..nN', () => {
    expect(parseNodeName('n3')).to.equal(3);
    expect(parseNodeName('n0')).to.equal(undefined);
    expect(parseNodeName('node1')).to.equal(undefined);
    expect(validateNodeName('n2', 2)).to.equal(2);
    expect(() => validateNodeName('n3', 2)).to.throw(/n1\.\.n2/);
  });

  it('derives every host-side name from the lab name', () => {
    const l = labNames('ftest');
    expect(l.stateDir).to.equal('/var/lib/flocker-lab/ftest');
    expect(l.bridge).to.equal('ftest0');
    expect(l.comment).to.equal('flocker-lab:ftest');
    expect(l.sshConfig).to.equal('/var/lib/flocker-lab/ftest/ssh/config');
    const n = nodeNames('ftest', 2);
    expect([n.node, n.machine, n.netns, n.veth, n.cgroupLeaf]).to.deep.equal([
      'n2',
      'ftest-n2',
      'ftest-n2',
      'ftest-n2',
      'flocker-lab/ftest-n2',
    ]);
    // interface names must fit IFNAMSIZ (15)
    expect(nodeNames('abcdef', 5).veth.length).to.be.at.most(15);
  });
});
