import { expect } from 'chai';
import { hostEntries, isLinkHostName, linkHostAddress, linkHosts } from '../../src/plan/link-hosts.js';
import { toApplication } from '../../src/model/canonical.js';

describe('links by name: virtual addresses', function () {
  it('1 + the index, inside 198.18.0.0/15, never the network address', function () {
    expect([0, 1, 253, 254, 255, 600].map(linkHostAddress)).to.deep.equal([
      '198.18.0.1',
      '198.18.0.2',
      '198.18.0.254',
      '198.18.0.255',
      '198.18.1.0',
      '198.18.2.89',
    ]);
  });
  it('host names: letters, digits, "_" and inner "-", at most 63', function () {
    for (const ok of ['db', 'DB_1', '_x', 'a-b', 'x'.repeat(63)])
      expect(isLinkHostName(ok), ok).to.equal(true);
    for (const bad of ['', '-a', 'a-', 'a.b', 'a b', 'a:b', 'x'.repeat(64)])
      expect(isLinkHostName(bad), bad).to.equal(false);
  });
  it('keeps each link its index in the canonical list (a left-out name takes no address)', function () {
    const app = toApplication('web', {
      image: 'x',
      links: [
        { alias: 'b', local_port: 2, remote_port: 12 },
        { alias: 'a', local_port: 1, remote_port: 11 },
      ],
    });
    expect(linkHosts(app).map((h) => [h.name, h.address])).to.deep.equal([
      ['a', '198.18.0.1'],
      ['b', '198.18.0.2'],
    ]);
    const odd = { links: [{ alias: 'a.b', local_port: 1, remote_port: 2 }, ...app.links] };
    expect(linkHosts(odd).map((h) => h.address)).to.deep.equal(['198.18.0.2', '198.18.0.3']);
  });
  it('links sharing an alias (one per port) share its address; one host entry per name', function () {
    const app = toApplication('web', {
      image: 'x',
      links: [
        { alias: 'db', local_port: 5432, remote_port: 61712 },
        { alias: 'cache', local_port: 6379, remote_port: 6379 },
        { alias: 'db', local_port: 8080, remote_port: 61001 },
      ],
    });
    expect(linkHosts(app).map((h) => [h.name, h.link.local_port, h.address])).to.deep.equal([
      ['cache', 6379, '198.18.0.1'],
      ['db', 5432, '198.18.0.2'],
      ['db', 8080, '198.18.0.2'],
    ]);
    expect(hostEntries(app)).to.deep.equal([
      { name: 'cache', address: '198.18.0.1' },
      { name: 'db', address: '198.18.0.2' },
    ]);
  });
});
