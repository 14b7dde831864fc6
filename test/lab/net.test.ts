import { expect } from 'chai';
import {
  allocateAddresses,
  formatCidr,
  overlaps,
  parseCidr,
  routeConflicts,
  type Cidr,
} from '../../src/lab/net.js';

function cidr(s: string): Cidr {
  const c = parseCidr(s);
  if (typeof c === 'string') throw new Error(c);
  return c;
}

describe('lab net', () => {
  it('parses CIDRs and refuses bad ones with a reason', () => {
    expect(formatCidr(cidr('198.51.100.0/24'))).to.equal('198.51.100.0/24');
    expect(formatCidr(cidr('10.1.2.3'))).to.equal('10.1.2.3/32');
    expect(parseCidr('198.51.100.5/24')).to.match(/not a network address.*198\.51\.100\.0\/24/);
    expect(parseCidr('198.51.100.0/33')).to.match(/bad prefix/);
    expect(parseCidr('198.51.256.0/24')).to.match(/not an IPv4/);
    expect(parseCidr('a/b/c')).to.match(/not a CIDR/);
  });

  it('allocates bridge .1 and nodes .2, .3, ... inside the subnet', () => {
    expect(allocateAddresses(cidr('198.51.100.0/24'), 3)).to.deep.equal({
      bridge: '198.51.100.1',
      nodes: ['198.51.100.2', '198.51.100.3', '198.51.100.4'],
      prefix: 24,
    });
    expect(allocateAddresses(cidr('198.51.100.192/26'), 2)).to.deep.equal({
      bridge: '198.51.100.193',
      nodes: ['198.51.100.194', '198.51.100.195'],
      prefix: 26,
    });
    expect(allocateAddresses(cidr('198.51.100.0/29'), 5)).to.deep.equal({
      bridge: '198.51.100.1',
      nodes: ['198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5', '198.51.100.6'],
      prefix: 29,
    });
    expect(allocateAddresses(cidr('198.51.100.0/29'), 6)).to.match(/room for 5 nodes, 6 asked/);
    expect(allocateAddresses(cidr('198.51.100.0/31'), 1)).to.be.a('string');
  });

  it('detects overlaps', () => {
    expect(overlaps(cidr('198.51.100.0/24'), cidr('198.51.100.128/26'))).to.equal(true);
    expect(overlaps(cidr('198.51.100.64/26'), cidr('198.51.100.128/26'))).to.equal(false);
    expect(overlaps(cidr('192.0.2.0/24'), cidr('192.0.2.2'))).to.equal(true);
  });

  it('finds routes of `ip -j route` overlapping the subnet, ignoring default and its own bridge', () => {
    const json = JSON.stringify([
      { dst: 'default', gateway: '192.0.2.1', dev: 'eth0' },
      { dst: '192.0.2.0/24', dev: 'eth0', protocol: 'kernel' },
      { dst: '198.51.100.64/26', dev: 'other0' },
      { dst: '198.51.100.128/26', dev: 'ftest0' },
      { dst: '198.51.100.200', dev: 'tun0' },
    ]);
    expect(routeConflicts(json, cidr('198.51.100.128/26'), 'ftest0')).to.deep.equal([]);
    expect(routeConflicts(json, cidr('198.51.100.192/26'), 'ltest0')).to.deep.equal([
      { dst: '198.51.100.200', dev: 'tun0' },
    ]);
    expect(routeConflicts(json, cidr('198.51.100.0/24'), 'flab0').map((c) => c.dev)).to.deep.equal([
      'other0',
      'ftest0',
      'tun0',
    ]);
    expect(routeConflicts(json, cidr('192.0.2.0/25'), 'flab0')).to.deep.equal([
      { dst: '192.0.2.0/24', dev: 'eth0' },
    ]);
    expect(routeConflicts('', cidr('198.51.100.0/24'), 'flab0')).to.deep.equal([]);
  });
});
